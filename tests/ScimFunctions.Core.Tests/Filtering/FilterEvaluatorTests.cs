using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;
using ScimFunctions.Core.Tests.Support;

namespace ScimFunctions.Core.Tests.Filtering;

public sealed class FilterEvaluatorTests
{
    private static readonly ResourceTypeDefinition Users = ScimSchemaRegistry.Default.User;

    [Theory]
    [InlineData("userName eq \"barbara.jensen@contoso.com\"", true)]
    [InlineData("USERNAME EQ \"BARBARA.JENSEN@CONTOSO.COM\"", true)]
    [InlineData("userName eq \"barbara\"", false)]
    [InlineData("userName ne \"someone@else.com\"", true)]
    [InlineData("userName co \"jensen@\"", true)]
    [InlineData("userName sw \"barbara.\"", true)]
    [InlineData("userName ew \"CONTOSO.COM\"", true)]
    [InlineData("userName gt \"a\"", true)]
    [InlineData("userName lt \"a\"", false)]
    [InlineData("userName ge \"barbara.jensen@contoso.com\"", true)]
    [InlineData("userName le \"Barbara.Jensen@Contoso.com\"", true)]
    public void String_attributes_compare_case_insensitively(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    [Theory]
    [InlineData("externalId eq \"bjensen\"", true)]
    [InlineData("externalId eq \"BJENSEN\"", false)]
    [InlineData("id eq \"2819C223-7F76-453A-919D-413861904646\"", false)]
    [InlineData("id eq \"2819c223-7f76-453a-919d-413861904646\"", true)]
    public void CaseExact_attributes_compare_ordinally(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    [Theory]
    [InlineData("active eq true", true)]
    [InlineData("active eq false", false)]
    [InlineData("active ne false", true)]
    [InlineData("active eq \"True\"", true)]
    public void Boolean_attributes_compare_with_booleans(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    [Theory]
    [InlineData("meta.lastModified gt \"2011-05-13T04:42:33Z\"", true)]
    [InlineData("meta.lastModified gt \"2011-05-13T04:42:34Z\"", false)]
    [InlineData("meta.lastModified ge \"2011-05-13T04:42:34Z\"", true)]
    [InlineData("meta.lastModified eq \"2011-05-13T06:42:34+02:00\"", true)]
    [InlineData("meta.created lt \"2010-01-23T04:56:22.5Z\"", true)]
    public void DateTime_attributes_compare_as_instants(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    [Theory]
    [InlineData("emails.value eq \"babs@jensen.org\"", true)]
    [InlineData("emails eq \"BABS@JENSEN.ORG\"", true)]
    [InlineData("emails.type eq \"other\"", false)]
    [InlineData("emails[type eq \"work\" and value co \"@contoso.com\"]", true)]
    [InlineData("emails[type eq \"home\" and value co \"@contoso.com\"]", false)]
    [InlineData("emails[type eq \"work\"].value eq \"bjensen@contoso.com\"", true)]
    [InlineData("emails[type eq \"work\"].value eq \"babs@jensen.org\"", false)]
    [InlineData("emails[primary eq true].value ew \"contoso.com\"", true)]
    [InlineData("emails.value ne \"bjensen@contoso.com\"", false)]
    public void Multi_valued_attributes_match_when_one_element_matches(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    [Theory]
    [InlineData("title pr", true)]
    [InlineData("nickName pr", false)]
    [InlineData("emails pr", true)]
    [InlineData("ims pr", false)]
    [InlineData("name pr", true)]
    [InlineData("name.middleName pr", false)]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr", true)]
    [InlineData("nickName eq null", true)]
    [InlineData("title ne null", true)]
    public void Present_and_null_follow_whether_the_attribute_has_a_value(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    [Fact]
    public void Present_is_false_for_an_empty_string()
    {
        var user = SampleResources.User();
        user["nickName"] = string.Empty;

        Assert.False(FilterCompiler.Compile("nickName pr", Users).Matches(user));
    }

    [Theory]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\"", true)]
    [InlineData("employeeNumber eq \"701984\"", true)]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"26118915-6090-4610-87e4-49d8ca9f808d\"", true)]
    [InlineData("manager eq \"26118915-6090-4610-87e4-49d8ca9f808d\"", true)]
    [InlineData("urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"barbara\"", true)]
    public void Extension_and_qualified_attributes_resolve(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    [Theory]
    [InlineData("title pr and not (userType eq \"Intern\")", true)]
    [InlineData("title eq \"x\" or (active eq true and emails[type eq \"home\"])", true)]
    [InlineData("not (active eq true)", false)]
    [InlineData("title eq \"x\" or title eq \"y\" or title eq \"tour guide\"", true)]
    public void Logical_operators_combine_conditions(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    [Fact]
    public void Binary_attributes_compare_case_exactly()
    {
        Assert.True(Matches("x509Certificates.value sw \"TUlJ\""));
        Assert.False(Matches("x509Certificates.value sw \"tulj\""));
    }

    [Theory]
    [InlineData("favouriteColour eq \"blue\"", "favouriteColour")]
    [InlineData("name.nickname eq \"x\"", "name.nickname")]
    [InlineData("urn:example:unknown:2.0:User:x eq \"1\"", "urn:example:unknown")]
    [InlineData("active gt true", "'gt' cannot be used with 'active'")]
    [InlineData("active co \"t\"", "'co' cannot be used with 'active'")]
    [InlineData("active eq 1", "boolean")]
    [InlineData("meta.lastModified co \"2011\"", "not a string")]
    [InlineData("meta.lastModified gt \"yesterday\"", "dateTime")]
    [InlineData("x509Certificates.value gt \"a\"", "no order")]
    [InlineData("userName eq 42", "needs a string")]
    [InlineData("name eq \"x\"", "complex")]
    [InlineData("title gt null", "null")]
    [InlineData("emails[display.x eq \"a\"]", "sub-attribute")]
    [InlineData("title[value eq \"a\"]", "not a complex attribute")]
    public void Invalid_filters_for_the_schema_are_invalidFilter(string filter, string detail)
    {
        var error = Assert.ThrowsAny<ScimException>(() => FilterCompiler.Compile(filter, Users));

        Assert.Equal(ScimErrorType.InvalidFilter, error.Error.ScimType);
        Assert.Contains(detail, error.Error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Group_display_name_filter_is_case_insensitive()
    {
        var group = Json.Object("""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g1","displayName":"Tour Guides","members":[{"value":"u1"}]}""");

        Assert.True(FilterCompiler.Compile("displayName eq \"tour guides\"", ScimSchemaRegistry.Default.Group).Matches(group));
        Assert.True(FilterCompiler.Compile("members[value eq \"u1\"]", ScimSchemaRegistry.Default.Group).Matches(group));
        Assert.False(FilterCompiler.Compile("members.value eq \"U1\"", ScimSchemaRegistry.Default.Group).Matches(group));
    }

    [Fact]
    public void Numbers_compare_numerically()
    {
        var registry = ScimSchemaRegistry.Create([CustomSchemas.Extension()]);
        var user = SampleResources.User();
        user[CustomSchemas.Id] = Json.Object("""{"costScore": 12.5, "level": 7}""");

        Assert.True(FilterCompiler.Compile($"{CustomSchemas.Id}:level gt 6", registry.User).Matches(user));
        Assert.True(FilterCompiler.Compile("level le 7 and costScore lt 12.6", registry.User).Matches(user));
        Assert.False(FilterCompiler.Compile("costScore eq 12", registry.User).Matches(user));
        Assert.Throws<ScimException>(() => FilterCompiler.Compile("level co 7", registry.User));
    }

    private static bool Matches(string filter) => FilterCompiler.Compile(filter, Users).Matches(SampleResources.User());
}
