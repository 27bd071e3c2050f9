using ScimFunctions.Core.Projection;
using ScimFunctions.Core.Schema;
using ScimFunctions.Core.Tests.Support;

namespace ScimFunctions.Core.Tests.Projection;

public sealed class AttributeSelectionTests
{
    private static readonly ResourceTypeDefinition Users = ScimSchemaRegistry.Default.User;

    [Fact]
    public void Default_returns_everything_that_is_not_never_or_request()
    {
        var user = SampleResources.User();
        user["password"] = "leaked?";

        var projected = AttributeSelection.Default(Users).Apply(user);

        Assert.False(projected.ContainsKey("password"));
        user.Remove("password");
        Json.Equal(user, projected);
    }

    [Fact]
    public void Attributes_returns_the_named_ones_plus_always_returned_id_and_schemas()
    {
        var projected = AttributeSelection.Parse(Users, "userName,emails", null).Apply(SampleResources.User());

        Assert.Equal(["schemas", "id", "userName", "emails"], projected.Select(p => p.Key));
        Assert.Equal(2, projected["emails"]!.AsArray().Count);
    }

    [Fact]
    public void Attributes_with_sub_attributes_return_only_those()
    {
        var projected = AttributeSelection.Parse(Users, "name.givenName,emails.value", null).Apply(SampleResources.User());

        Json.Equal(Json.Object("""{"givenName":"Barbara"}"""), projected["name"]);
        Json.Equal(Json.Object("""{"value":"bjensen@contoso.com"}"""), projected["emails"]![0]);
    }

    [Fact]
    public void Attributes_can_name_extension_attributes_or_whole_extensions()
    {
        var one = AttributeSelection.Parse(Users, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", null)
            .Apply(SampleResources.User());
        var whole = AttributeSelection.Parse(Users, SampleResources.Enterprise, null).Apply(SampleResources.User());

        Json.Equal(Json.Object("""{"department":"Tour Operations"}"""), one[SampleResources.Enterprise]);
        Assert.Equal(3, whole[SampleResources.Enterprise]!.AsObject().Count);
        Assert.False(whole.ContainsKey("userName"));
    }

    [Fact]
    public void Excluded_attributes_are_left_out_but_never_the_always_returned_ones()
    {
        var projected = AttributeSelection.Parse(Users, null, "emails,id,name.formatted,meta").Apply(SampleResources.User());

        Assert.False(projected.ContainsKey("emails"));
        Assert.False(projected.ContainsKey("meta"));
        Assert.True(projected.ContainsKey("id"));
        Json.Equal(Json.Object("""{"familyName":"Jensen","givenName":"Barbara"}"""), projected["name"]);
    }

    [Fact]
    public void Excluding_members_tells_storage_not_to_read_them()
    {
        var groups = ScimSchemaRegistry.Default.Group;
        var members = groups.Resolve(null, "members")!;

        Assert.False(AttributeSelection.Parse(groups, null, "members").Returns(members));
        Assert.True(AttributeSelection.Default(groups).Returns(members));
        Assert.False(AttributeSelection.Parse(groups, "displayName", null).Returns(members));
        Assert.True(AttributeSelection.Parse(groups, "members.value", null).Returns(members));
    }

    [Fact]
    public void Names_are_case_insensitive_and_unknown_names_are_ignored()
    {
        var projected = AttributeSelection.Parse(Users, "USERNAME, favouriteColour, bad[[", null).Apply(SampleResources.User());

        Assert.Equal(["schemas", "id", "userName"], projected.Select(p => p.Key));
    }

    [Fact]
    public void A_value_filter_in_the_list_selects_the_attribute_it_filters()
    {
        var projected = AttributeSelection.Parse(Users, "emails[type eq \"work\"]", null).Apply(SampleResources.User());

        Assert.Equal(["schemas", "id", "emails"], projected.Select(p => p.Key));
    }

    [Fact]
    public void Projection_does_not_change_the_resource()
    {
        var user = SampleResources.User();
        var snapshot = user.DeepClone();

        var projected = AttributeSelection.Parse(Users, "emails", null).Apply(user);
        projected["emails"]![0]!["value"] = "changed";

        Json.Equal(snapshot, user);
    }
}
