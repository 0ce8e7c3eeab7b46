using System.Text.Json;
using System.Text.Json.Nodes;

namespace AdminConsole.Channels.Tests;

// Expected strings are what node's JSON.stringify prints for the same values.
public class JsJsonTests
{
    [Theory]
    [InlineData("Zoë", "\"Zoë\"")]
    [InlineData("王", "\"王\"")]
    [InlineData("<>&'+", "\"<>&'+\"")]
    [InlineData("\u2028\u2029", "\"\u2028\u2029\"")]
    [InlineData("\u007f", "\"\u007f\"")]
    [InlineData("😀", "\"😀\"")]
    [InlineData("\"\\/", "\"\\\"\\\\/\"")]
    [InlineData("\b\f\n\r\t\u0000\u001f", "\"\\b\\f\\n\\r\\t\\u0000\\u001f\"")]
    public void Strings_are_escaped_like_JSON_stringify(string value, string expected)
    {
        Assert.Equal(expected, JsJson.Quote(value));
        Assert.Equal(expected, JsJson.Stringify(JsonValue.Create(value)));
    }

    // Lone surrogates cannot travel through InlineData (xunit re-encodes them), hence a Fact.
    [Fact]
    public void Lone_surrogates_are_escaped_in_lower_case_hex()
    {
        Assert.Equal("\"\\ud800\"", JsJson.Quote("\ud800"));
        Assert.Equal("\"a\\udc00b\"", JsJson.Quote("a\udc00b"));
        Assert.Equal("\"\\ude00\\ud83d\"", JsJson.Quote("\ude00\ud83d"));
        Assert.Equal("\"\ud83d\ude00\\ud83d\"", JsJson.Quote("\ud83d\ude00\ud83d"));
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(-1.5, "-1.5")]
    [InlineData(0.1, "0.1")]
    [InlineData(0.30000000000000004, "0.30000000000000004")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(123456789012345680000.0, "123456789012345680000")]
    [InlineData(1e16, "10000000000000000")]
    [InlineData(1.5e-7, "1.5e-7")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(9007199254740993.0, "9007199254740992")]
    [InlineData(double.NaN, "null")]
    [InlineData(double.PositiveInfinity, "null")]
    public void Numbers_format_like_javascript(double value, string expected)
    {
        Assert.Equal(expected, JsJson.FormatNumber(value));
    }

    [Fact]
    public void Negative_zero_prints_as_zero()
    {
        Assert.Equal("0", JsJson.FormatNumber(-0.0));
        Assert.Equal("[0]", JsJson.Stringify(new JsonArray(JsonValue.Create(-0.0))));
    }

    [Fact]
    public void Objects_keep_insertion_order_and_no_whitespace()
    {
        var node = JsonNode.Parse("""{ "b": [1, 2.50, true, false, null], "a": { "x": "王" } }""");
        Assert.Equal("{\"b\":[1,2.5,true,false,null],\"a\":{\"x\":\"王\"}}", JsJson.Stringify(node));
    }

    [Fact]
    public void Array_index_keys_come_first_in_numeric_order_as_in_JS_objects()
    {
        var node = JsonNode.Parse("""{"b":1,"10":2,"2":3,"01":4,"-1":5,"4294967295":6,"4294967294":7,"a":8}""");
        Assert.Equal("{\"2\":3,\"10\":2,\"4294967294\":7,\"b\":1,\"01\":4,\"-1\":5,\"4294967295\":6,\"a\":8}", JsJson.Stringify(node));
    }

    [Fact]
    public void Plain_objects_keep_lone_surrogates_and_emoji_like_JS()
    {
        Assert.Equal("{\"s\":\"\\ud800 😀 \u2028\"}", JsJson.Stringify(new { s = "\ud800 😀 \u2028" }));
        Assert.Equal("{\"D\":{\"k\":[1,\"王\"]}}", JsJson.Stringify(new { D = new Dictionary<string, object> { ["k"] = new object[] { 1, "王" } } }));
    }

    [Fact]
    public void Plain_objects_and_elements_are_accepted()
    {
        Assert.Equal("{\"name\":\"Zoë <admin>\",\"n\":3}", JsJson.Stringify(new { name = "Zoë <admin>", n = 3 }));
        using var doc = JsonDocument.Parse("{\"k\":1.0}");
        Assert.Equal("{\"k\":1}", JsJson.Stringify(doc.RootElement));
        Assert.Equal("null", JsJson.Stringify((object?)null));
        Assert.Equal("\"s\"", JsJson.Stringify((object)"s"));
    }
}
