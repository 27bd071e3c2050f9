using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Core.Tests.Filtering;

public sealed class FilterParserTests
{
    /// <summary>The filter examples of RFC 7644 §3.4.2.2, each with its canonical printed form.</summary>
    [Theory]
    [InlineData("userName Eq \"john\"", "userName eq \"john\"")]
    [InlineData("name.familyName co \"O'Malley\"", "name.familyName co \"O'Malley\"")]
    [InlineData("userName sw \"J\"", "userName sw \"J\"")]
    [InlineData("urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"", "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"")]
    [InlineData("title pr", "title pr")]
    [InlineData("meta.lastModified gt \"2011-05-13T04:42:34Z\"", "meta.lastModified gt \"2011-05-13T04:42:34Z\"")]
    [InlineData("meta.lastModified ge \"2011-05-13T04:42:34Z\"", "meta.lastModified ge \"2011-05-13T04:42:34Z\"")]
    [InlineData("meta.lastModified lt \"2011-05-13T04:42:34Z\"", "meta.lastModified lt \"2011-05-13T04:42:34Z\"")]
    [InlineData("meta.lastModified le \"2011-05-13T04:42:34Z\"", "meta.lastModified le \"2011-05-13T04:42:34Z\"")]
    [InlineData("title pr and userType eq \"Employee\"", "title pr and userType eq \"Employee\"")]
    [InlineData("title pr or userType eq \"Intern\"", "title pr or userType eq \"Intern\"")]
    [InlineData("schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"", "schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"")]
    [InlineData("userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")", "userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")")]
    [InlineData("userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")", "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")")]
    [InlineData("userType eq \"Employee\" and (emails.type eq \"work\")", "userType eq \"Employee\" and emails.type eq \"work\"")]
    [InlineData("userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]", "userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]")]
    [InlineData("emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]", "emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]")]
    public void Parse_rfc_examples_and_print_canonically(string filter, string printed)
    {
        var expression = FilterParser.Parse(filter);

        Assert.Equal(printed, expression.ToString());
        Assert.Equal(expression, FilterParser.Parse(printed));
    }

    [Fact]
    public void Parse_and_binds_tighter_than_or()
    {
        var expression = FilterParser.Parse("a eq 1 or b eq 2 and c eq 3");

        var or = Assert.IsType<LogicalExpression>(expression);
        Assert.Equal(LogicalOperator.Or, or.Operator);
        var and = Assert.IsType<LogicalExpression>(or.Right);
        Assert.Equal(LogicalOperator.And, and.Operator);
    }

    [Fact]
    public void Parse_logical_operators_are_left_associative()
    {
        var expression = Assert.IsType<LogicalExpression>(FilterParser.Parse("a pr and b pr and c pr"));

        Assert.IsType<LogicalExpression>(expression.Left);
        Assert.IsType<PresentExpression>(expression.Right);
    }

    [Fact]
    public void Print_keeps_parentheses_that_change_the_tree()
    {
        var right = new LogicalExpression(LogicalOperator.And, Present("b"), Present("c"));
        var tree = new LogicalExpression(LogicalOperator.And, Present("a"), right);

        Assert.Equal("a pr and (b pr and c pr)", tree.ToString());
        Assert.Equal(tree, FilterParser.Parse(tree.ToString()));
    }

    [Fact]
    public void Parse_keywords_and_literals_case_insensitively()
    {
        var expression = FilterParser.Parse("active EQ TRUE AND title PR");

        Assert.Equal("active eq true and title pr", expression.ToString());
    }

    [Theory]
    [InlineData("\"a\\\"b\"", "a\"b")]
    [InlineData("\"tab\\there\"", "tab\there")]
    [InlineData("\"\\u00e9t\\u00E9\"", "été")]
    [InlineData("\"back\\\\slash\\/\"", "back\\slash/")]
    public void Parse_string_escapes(string literal, string value)
    {
        var comparison = Assert.IsType<ComparisonExpression>(FilterParser.Parse($"displayName eq {literal}"));

        Assert.Equal(FilterLiteralKind.String, comparison.Value.Kind);
        Assert.Equal(value, comparison.Value.Text);
    }

    [Theory]
    [InlineData("x eq 42", FilterLiteralKind.Number, "42")]
    [InlineData("x eq -1.5e3", FilterLiteralKind.Number, "-1.5e3")]
    [InlineData("x eq false", FilterLiteralKind.Boolean, "false")]
    [InlineData("x eq null", FilterLiteralKind.Null, "null")]
    public void Parse_json_literals(string filter, FilterLiteralKind kind, string text)
    {
        var comparison = Assert.IsType<ComparisonExpression>(FilterParser.Parse(filter));

        Assert.Equal(new FilterLiteral(kind, text), comparison.Value);
    }

    [Fact]
    public void Parse_splits_urn_schema_from_attribute_and_sub_attribute()
    {
        var comparison = Assert.IsType<ComparisonExpression>(
            FilterParser.Parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"m\""));

        Assert.Equal(new AttributePath("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "manager", "value"), comparison.Path);
    }

    [Fact]
    public void Parse_entra_sub_attribute_after_value_path_as_a_condition_inside_it()
    {
        var expression = FilterParser.Parse("emails[type eq \"work\"].value eq \"bjensen@contoso.com\"");

        Assert.Equal("emails[type eq \"work\" and value eq \"bjensen@contoso.com\"]", expression.ToString());
    }

    [Fact]
    public void Parse_tolerates_unquoted_string_values_and_prints_them_quoted()
    {
        Assert.Equal("externalId eq \"jyoung\"", FilterParser.Parse("externalId eq jyoung").ToString());
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("userName", 8)]
    [InlineData("userName eq", 11)]
    [InlineData("userName xx \"a\"", 9)]
    [InlineData("userName eq \"a", 12)]
    [InlineData("(userName eq \"a\"", 16)]
    [InlineData("userName eq \"a\")", 15)]
    [InlineData("userName eq \"a\" and", 19)]
    [InlineData("userName eq \"a\" \"b\"", 16)]
    [InlineData("emails[type eq \"work\"", 21)]
    [InlineData("emails[types[x pr]]", 12)]
    [InlineData("1abc eq \"x\"", 0)]
    [InlineData("name.given.x eq \"x\"", 5)]
    [InlineData("userName eq \"\\q\"", 13)]
    [InlineData("userName eq and", 12)]
    [InlineData("not userName eq \"x\"", 4)]
    public void Parse_errors_are_invalidFilter_with_the_position(string filter, int position)
    {
        var error = Assert.Throws<FilterParseException>(() => FilterParser.Parse(filter));

        Assert.Equal(400, error.Error.Status);
        Assert.Equal(ScimErrorType.InvalidFilter, error.Error.ScimType);
        Assert.Equal(position, error.Position);
        Assert.Contains($"position {position}", error.Error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_refuses_a_filter_longer_than_the_limit()
    {
        var filter = "userName eq \"" + new string('a', 5000) + "\"";

        var error = Assert.Throws<FilterParseException>(() => FilterParser.Parse(filter));

        Assert.Contains("longer than", error.Error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_refuses_nesting_deeper_than_the_limit()
    {
        var filter = string.Concat(Enumerable.Repeat("(", 40)) + "title pr" + string.Concat(Enumerable.Repeat(")", 40));

        var error = Assert.Throws<FilterParseException>(() => FilterParser.Parse(filter));

        Assert.Contains("nested", error.Error.Detail, StringComparison.Ordinal);
        Assert.Equal("title pr", FilterParser.Parse(filter, new FilterLimits { MaxDepth = 50 }).ToString());
    }

    [Fact]
    public void Parse_refuses_more_conditions_than_the_limit()
    {
        var filter = string.Join(" or ", Enumerable.Range(0, 65).Select(i => $"userName eq \"u{i}\""));

        var error = Assert.Throws<FilterParseException>(() => FilterParser.Parse(filter));

        Assert.Contains("more than 64 conditions", error.Error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_deep_not_chain_within_limits_does_not_overflow()
    {
        var filter = string.Concat(Enumerable.Repeat("not (", 30)) + "title pr" + new string(')', 30);

        Assert.Equal(filter, FilterParser.Parse(filter).ToString());
    }

    [Theory]
    [InlineData("members[value eq \"2819c223\"]", "members", "value eq \"2819c223\"", null)]
    [InlineData("emails[type eq \"work\"].value", "emails", "type eq \"work\"", "value")]
    [InlineData("name.familyName", "name.familyName", null, null)]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", null, null)]
    public void ParsePath_reads_attribute_filter_and_sub_attribute(string path, string attribute, string? filter, string? sub)
    {
        var syntax = FilterParser.ParsePath(path);

        Assert.Equal(attribute, syntax.Attribute.ToString());
        Assert.Equal(filter, syntax.ValueFilter?.ToString());
        Assert.Equal(sub, syntax.SubAttribute);
        Assert.Equal(path, syntax.ToString());
    }

    [Theory]
    [InlineData("emails[", ScimErrorType.InvalidPath)]
    [InlineData("emails[type eq]", ScimErrorType.InvalidPath)]
    [InlineData("emails[type zz \"work\"].value", ScimErrorType.InvalidPath)]
    [InlineData("members[value eq \"1\"", ScimErrorType.InvalidPath)]
    [InlineData("emails..value", ScimErrorType.InvalidPath)]
    [InlineData("emails[type eq \"work\"]value", ScimErrorType.InvalidPath)]
    [InlineData("name.givenName[type eq \"x\"]", ScimErrorType.InvalidPath)]
    [InlineData("title pr", ScimErrorType.InvalidPath)]
    public void ParsePath_errors_are_invalidPath_also_inside_the_brackets(string path, string scimType)
    {
        var error = Assert.Throws<FilterParseException>(() => FilterParser.ParsePath(path));

        Assert.Equal(scimType, error.Error.ScimType);
    }

    private static PresentExpression Present(string name) => new(new AttributePath(name));
}
