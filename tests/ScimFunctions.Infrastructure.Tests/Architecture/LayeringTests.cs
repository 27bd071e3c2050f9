using System.Reflection;
using ScimFunctions.Application.Provisioning;

namespace ScimFunctions.Infrastructure.Tests.Architecture;

/// <summary>
/// The use cases (<c>ScimFunctions.Application</c>, with the store interfaces in <c>Provisioning/Stores</c>) speak the
/// domain: the assembly references no Azure assembly, and no type of it holds, takes or returns an Azure type, also
/// not in the compiler's classes for its lambdas and async methods (whose fields are the locals of those methods).
/// Table Storage stays behind the stores (docs/architecture.md).
/// </summary>
public sealed class LayeringTests
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Assembly UseCases = typeof(UserService).Assembly;

    [Fact]
    public void The_use_cases_reference_no_Azure_assembly_and_no_Azure_type()
    {
        Assert.Contains(typeof(GroupService), UseCases.GetTypes());
        Assert.DoesNotContain(UseCases.GetReferencedAssemblies(), a => IsAzure(a.Name));

        var offences = UseCases.GetTypes()
            .SelectMany(t => ReferencedTypes(t).Where(IsAzure).Select(r => $"{t.FullName} uses {r.FullName}"))
            .Distinct(StringComparer.Ordinal)
            .ToList();

        Assert.True(offences.Count == 0, string.Join(Environment.NewLine, offences));
    }

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

    private static bool IsAzure(string? assembly) => (assembly ?? string.Empty).StartsWith("Azure.", StringComparison.Ordinal);

    private static bool IsAzure(Type type) =>
        IsAzure(type.Assembly.GetName().Name)
        || (type.HasElementType && IsAzure(type.GetElementType()!))
        || (type.IsGenericType && !type.IsGenericTypeDefinition && type.GetGenericArguments().Any(IsAzure));
}
