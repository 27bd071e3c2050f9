using System.Reflection;
using ScimFunctions.Infrastructure.Provisioning;

namespace ScimFunctions.Infrastructure.Tests.Architecture;

/// <summary>
/// The use cases (<c>Provisioning</c>, with the store interfaces in <c>Provisioning/Stores</c>) speak the domain: no
/// type there holds, takes or returns an Azure type, also not in the compiler's classes for its lambdas and async
/// methods (whose fields are the locals of those methods). Table Storage stays behind the stores (docs/architecture.md).
/// </summary>
public sealed class LayeringTests
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>The composition root builds the Table Storage stores: it is the one type of the folder that may name them.</summary>
    private static readonly Type[] CompositionRoots = [typeof(ProvisioningServices)];

    [Fact]
    public void The_use_cases_and_store_interfaces_reference_no_Azure_type()
    {
        var useCases = typeof(UserService).Assembly.GetTypes()
            .Where(t => t.Namespace is { } ns && ns.StartsWith("ScimFunctions.Infrastructure.Provisioning", StringComparison.Ordinal))
            .Where(t => !CompositionRoots.Contains(Outermost(t)))
            .ToList();
        Assert.Contains(typeof(UserService), useCases);
        Assert.Contains(typeof(GroupService), useCases);

        var offences = useCases
            .SelectMany(t => ReferencedTypes(t).Where(IsAzure).Select(r => $"{t.FullName} uses {r.FullName}"))
            .Distinct(StringComparer.Ordinal)
            .ToList();

        Assert.True(offences.Count == 0, string.Join(Environment.NewLine, offences));
    }

    private static Type Outermost(Type type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

    private static IEnumerable<Type> ReferencedTypes(Type type)
    {
        if (type.BaseType is { } baseType)
        {
            yield return baseType;
        }

        foreach (var implemented in type.GetInterfaces())
        {
            yield return implemented;
        }

        foreach (var field in type.GetFields(Everything))
        {
            yield return field.FieldType;
        }

        foreach (var property in type.GetProperties(Everything))
        {
            yield return property.PropertyType;
        }

        foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            if (method is MethodInfo info)
            {
                yield return info.ReturnType;
            }

            foreach (var parameter in method.GetParameters())
            {
                yield return parameter.ParameterType;
            }

            foreach (var local in method.GetMethodBody()?.LocalVariables ?? [])
            {
                yield return local.LocalType;
            }
        }
    }

    private static bool IsAzure(Type type) =>
        (type.Assembly.GetName().Name ?? string.Empty).StartsWith("Azure.", StringComparison.Ordinal)
        || (type.HasElementType && IsAzure(type.GetElementType()!))
        || (type.IsGenericType && !type.IsGenericTypeDefinition && type.GetGenericArguments().Any(IsAzure));
}
