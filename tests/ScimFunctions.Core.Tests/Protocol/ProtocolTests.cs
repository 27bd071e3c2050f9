using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Tests.Support;

namespace ScimFunctions.Core.Tests.Protocol;

public sealed class ProtocolTests
{
    [Fact]
    public void Error_body_follows_rfc7644_3_12_with_status_as_a_string()
    {
        var body = ScimError.Uniqueness("A user with this userName already exists.").ToJson("(request 0HN8)");

        Json.Equal(Json.Object("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness",
             "detail":"A user with this userName already exists. (request 0HN8)"}
            """), body);
    }

    [Fact]
    public void Error_without_scim_type_has_no_scim_type_member()
    {
        var body = ScimError.NotFound("Resource 42 not found.").ToJson();

        Assert.False(body.ContainsKey("scimType"));
        Assert.Equal("404", body["status"]!.GetValue<string>());
    }

    [Fact]
    public void Result_maps_errors_and_successes_without_transport()
    {
        ScimResult failure = ScimError.PreconditionFailed("stale");
        var created = ScimResult.Created(Json.Object("""{"id":"1"}"""), "https://x/Users/1", ScimETag.FromVersion(3));

        Assert.False(failure.IsSuccess);
        Assert.Equal(412, failure.Status);
        Assert.Null(failure.Body);
        Assert.Equal(201, created.Status);
        Assert.Equal("W/\"3\"", created.ETag.ToString());
        Assert.Equal("https://x/Users/1", created.Location);
        Assert.Equal(204, ScimResult.NoContent().Status);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("*", true)]
    [InlineData("W/\"7\"", true)]
    [InlineData("\"7\"", true)]
    [InlineData("W/\"6\", W/\"7\"", true)]
    [InlineData("W/\"6\"", false)]
    [InlineData("W/\"70\"", false)]
    [InlineData("7", false)]
    public void ETag_if_match_compares_weakly(string? ifMatch, bool matches)
    {
        Assert.Equal(matches, ScimETag.FromVersion(7).SatisfiesIfMatch(ifMatch));
    }

    [Theory]
    [InlineData(null, 200)]
    [InlineData("", 200)]
    [InlineData("W/\"6\"", 200)]
    [InlineData("W/\"7\"", 304)]
    [InlineData("\"7\"", 304)]
    [InlineData("W/\"6\", W/\"7\"", 304)]
    [InlineData("*", 304)]
    public void If_None_Match_with_the_current_version_is_304_without_a_body(string? ifNoneMatch, int status)
    {
        var result = ScimResult.Ok(Json.Object("""{"id":"1"}"""), ScimETag.FromVersion(7)).IfNoneMatch(ifNoneMatch);

        Assert.Equal(status, result.Status);
        Assert.Equal(status == 200, result.Body is not null);
        Assert.Equal("W/\"7\"", result.ETag.ToString());
    }

    [Fact]
    public void If_None_Match_leaves_results_without_a_version_alone()
    {
        Assert.Equal(200, ScimResult.Ok(Json.Object("""{"Resources":[]}""")).IfNoneMatch("*").Status);
        Assert.Equal(404, ScimResult.Failure(ScimError.NotFound("x")).IfNoneMatch("*").Status);
    }

    [Fact]
    public void ETag_round_trips_through_its_header_form()
    {
        var tag = new ScimETag("abc-1");

        Assert.True(ScimETag.TryParse(tag.ToString(), out var parsed));
        Assert.Equal(tag, parsed);
        Assert.False(ScimETag.TryParse("W/\"a\"b\"", out _));
    }

    [Fact]
    public void List_response_counts_items_and_keeps_total()
    {
        var list = ScimListResponse.Create([Json.Object("""{"id":"1"}""")], totalResults: 40, startIndex: 11, nextCursor: "c2");

        Assert.Equal(40, list["totalResults"]!.GetValue<long>());
        Assert.Equal(1, list["itemsPerPage"]!.GetValue<int>());
        Assert.Equal(11, list["startIndex"]!.GetValue<int>());
        Assert.Equal("c2", list["nextCursor"]!.GetValue<string>());
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:ListResponse", list["schemas"]![0]!.GetValue<string>());
    }
}
