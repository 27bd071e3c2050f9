using System.Globalization;
using CsCheck;
using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Tests.Filtering;

/// <summary>Property tests of the filter front-end with generated trees, strings and token sequences.</summary>
public sealed class FilterPropertyTests
{
    private static readonly Gen<string> MadeUpName =
        Gen.Select(Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"], Gen.String[Gen.Char["abcxyzXYZ019_-"], 0, 8], (first, rest) => first + rest);

    /// <summary>Attribute names of the User schemas (any case, as filters are case-insensitive), and made-up ones.</summary>
    private static readonly Gen<string> Name = Gen.Frequency(
        (6, Gen.OneOf(Gen.Const("userName"), Gen.Const("displayName"), Gen.Const("active"), Gen.Const("externalId"), Gen.Const("emails"), Gen.Const("name"), Gen.Const("title"), Gen.Const("nickName"), Gen.Const("phoneNumbers"), Gen.Const("addresses"), Gen.Const("meta"), Gen.Const("id"), Gen.Const("groups"), Gen.Const("employeeNumber"), Gen.Const("department"), Gen.Const("manager"), Gen.Const("USERNAME"), Gen.Const("Emails"))),
        (1, MadeUpName));

    private static readonly Gen<string> SubName = Gen.Frequency(
        (6, Gen.OneOf(Gen.Const("value"), Gen.Const("type"), Gen.Const("primary"), Gen.Const("display"), Gen.Const("givenName"), Gen.Const("familyName"), Gen.Const("formatted"), Gen.Const("lastModified"), Gen.Const("created"), Gen.Const("locality"))),
        (1, MadeUpName));

    private static readonly Gen<string> Uri =
        Gen.OneOf(Gen.Const("urn:ietf:params:scim:schemas:core:2.0:User"), Gen.Const("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"), Gen.Const("urn:example:custom:2.0:User"));

    private static readonly Gen<AttributePath> TopPath =
        Gen.Select(Gen.Bool, Uri, Name, Gen.Bool, SubName, (qualified, uri, name, hasSub, sub) =>
            new AttributePath(qualified ? uri : null, name, hasSub ? sub : null));

    private static readonly Gen<AttributePath> InnerPath = SubName.Select(name => new AttributePath(name));

    private static readonly Gen<FilterLiteral> Literal = Gen.OneOf(
        Gen.String.Select(FilterLiteral.FromString),
        Gen.String[Gen.Char, 0, 12].Select(FilterLiteral.FromString),
        Gen.Long.Select(n => new FilterLiteral(FilterLiteralKind.Number, n.ToString(CultureInfo.InvariantCulture))),
        Gen.Int[0, 100000].Select(n => new FilterLiteral(FilterLiteralKind.Number, (n / 1000m).ToString(CultureInfo.InvariantCulture))),
        Gen.Const(FilterLiteral.True),
        Gen.Const(FilterLiteral.False),
        Gen.Const(FilterLiteral.Null));

    private static readonly Gen<ComparisonOperator> Operator = Gen.Enum<ComparisonOperator>();

    private static readonly Gen<FilterExpression> TopFilter = Expression(TopPath, allowValuePath: true);

    [Fact]
    public void Printing_then_parsing_gives_an_equal_tree()
    {
        TopFilter.Sample(
            expression => Assert.Equal(expression, FilterParser.Parse(expression.ToString(), Generous)),
            iter: 5000,
            print: e => e.ToString());
    }

    [Fact]
    public void Random_text_never_makes_the_parser_throw_anything_but_its_own_exception()
    {
        Gen.OneOf(Gen.String, Gen.String[Gen.Char["()[]\"\\ .:eqandorntpruswgl0123456789-"], 0, 40]).Sample(
            text => AssertOnlyScimErrors(text),
            iter: 5000);
    }

    [Fact]
    public void Random_token_sequences_never_make_the_parser_throw_anything_but_its_own_exception()
    {
        var token = Gen.OneOf(
            Gen.Const("userName"), Gen.Const("emails"), Gen.Const("("), Gen.Const(")"), Gen.Const("["), Gen.Const("]"),
            Gen.Const("\"x\""), Gen.Const("\"unterminated"), Gen.Const("\\u12"), Gen.Const("eq"), Gen.Const("ge"), Gen.Const("and"),
            Gen.Const("or"), Gen.Const("not"), Gen.Const("pr"), Gen.Const("42"), Gen.Const("-1.5e400"), Gen.Const("true"),
            Gen.Const("null"), Gen.Const(".value"), Gen.Const("."), Gen.Const("urn:"), Gen.Const("meta.lastModified"),
            Gen.Const("urn:ietf:params:scim:schemas:core:2.0:User:name.givenName"), Gen.Const("emails[type eq \"work\"]"));
        Gen.Select(token.Array[0, 25], Gen.Bool, (tokens, spaced) => string.Join(spaced ? " " : string.Empty, tokens)).Sample(
            text => AssertOnlyScimErrors(text),
            iter: 5000);
    }

    [Fact]
    public void Generated_filters_compile_and_evaluate_or_fail_with_invalidFilter()
    {
        var user = System.Text.Json.Nodes.JsonNode.Parse("""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223-7f76-453a-919d-413861904646","userName":"bjensen",
             "name":{"givenName":"Barbara","familyName":"Jensen"},"active":true,"title":"Tour Guide",
             "emails":[{"value":"bjensen@example.com","type":"work","primary":true}],"phoneNumbers":[{"value":"555-555-8377","type":"work"}],
             "meta":{"created":"2010-01-23T04:56:22Z","lastModified":"2011-05-13T04:42:34Z"}}
            """)!.AsObject();
        var compiled = 0;
        var refused = 0;
        TopFilter.Sample(
            expression =>
            {
                try
                {
                    var filter = FilterCompiler.Compile(expression, ScimSchemaRegistry.Default.User);
                    _ = filter.Matches(user);
                    compiled++;
                }
                catch (ScimException e)
                {
                    Assert.Equal(ScimErrorType.InvalidFilter, e.Error.ScimType);
                    refused++;
                }
            },
            iter: 2000,
            threads: 1,
            print: e => e.ToString());

        // Both paths are exercised: filters on real attributes compile and run, made-up ones are refused.
        Assert.True(compiled > 100, $"only {compiled} of {compiled + refused} generated filters compiled");
        Assert.True(refused > 100, $"only {refused} of {compiled + refused} generated filters were refused");
    }

    private static readonly FilterLimits Generous = new() { MaxConditions = 10_000, MaxDepth = 200, MaxLength = 1_000_000 };

    private static void AssertOnlyScimErrors(string text)
    {
        try
        {
            var expression = FilterParser.Parse(text);
            FilterCompiler.Compile(expression, ScimSchemaRegistry.Default.User);
        }
        catch (ScimException)
        {
        }

        try
        {
            FilterParser.ParsePath(text);
        }
        catch (ScimException)
        {
        }
    }

    private static Gen<FilterExpression> Expression(Gen<AttributePath> path, bool allowValuePath)
    {
        var comparison = Gen.Select(path, Operator, Literal, (p, op, value) => (FilterExpression)new ComparisonExpression(p, op, value));
        var present = path.Select(p => (FilterExpression)new PresentExpression(p));
        var leaf = Gen.OneOf(comparison, comparison, present);
        if (allowValuePath)
        {
            var inner = Expression(InnerPath, allowValuePath: false);
            var valuePath = Gen.Select(Name, Gen.Bool, Uri, inner, (name, qualified, uri, filter) =>
                (FilterExpression)new ValuePathExpression(new AttributePath(qualified ? uri : null, name, null), filter));
            leaf = Gen.OneOf(comparison, comparison, present, valuePath);
        }

        return Gen.Recursive<FilterExpression>((depth, self) => depth >= 4
            ? leaf
            : Gen.OneOf(
                leaf,
                Gen.Select(Gen.Enum<LogicalOperator>(), self, self, (op, left, right) => (FilterExpression)new LogicalExpression(op, left, right)),
                self.Select(operand => (FilterExpression)new NotExpression(operand))));
    }
}
