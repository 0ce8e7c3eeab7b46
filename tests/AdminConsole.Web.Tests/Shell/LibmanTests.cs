using System.Text.Json;
using System.Text.RegularExpressions;
using AdminConsole.Web.Tests.Infrastructure;

namespace AdminConsole.Web.Tests.Shell;

/// <summary>
/// libman.json is the record of which client libraries (and versions) the console ships; the files are committed
/// because no CDN is reachable. These tests keep the two in step.
/// </summary>
public class LibmanTests
{
    /// <summary>
    /// Where each library states its own version, and how to read it. Minified builds drop most comments, so each
    /// library needs its own rule; every rule must match exactly one distinct version in its file.
    /// </summary>
    private static readonly Dictionary<string, (string File, Regex Version)[]> Banners = new()
    {
        ["bootstrap"] =
        [
            ("dist/css/bootstrap.min.css", new(@"\* Bootstrap\s+v(\d+\.\d+\.\d+) \(https://getbootstrap\.com/\)")),
            ("dist/js/bootstrap.bundle.min.js", new(@"\* Bootstrap v(\d+\.\d+\.\d+) \(https://getbootstrap\.com/\)")),
        ],
        ["chart.js"] =
        [
            ("dist/chart.umd.min.js", new(@"\* Chart\.js v(\d+\.\d+\.\d+)")),
        ],
        // webpack keeps the license banner in a side file; the code holds Defaults { VERSION, PROTOCOL: 7, wsPort: 80, wssPort: 443 }.
        ["pusher-js"] =
        [
            ("dist/web/pusher.min.js", new(@"const \w+=""(\d+\.\d+\.\d+)"",\w+=7,\w+=80,\w+=443")),
            ("dist/web/pusher-with-encryption.min.js", new(@"const \w+=""(\d+\.\d+\.\d+)"",\w+=7,\w+=80,\w+=443")),
            ("dist/web/pusher.min.js.LICENSE.txt", new(@"Pusher JavaScript Library v(\d+\.\d+\.\d+)")),
        ],
        // The VERSION constant sits right before the Arg helper class (Utils.ts) in the browser bundle.
        ["@microsoft/signalr"] =
        [
            ("dist/browser/signalr.min.js", new(@"const \w+=""(\d+\.\d+\.\d+)"";class \w+\{static isRequired")),
        ],
    };

    private sealed record Library(string Name, string Version, string Destination, string[] Files);

    private static IReadOnlyList<Library> Declared()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "libman.json")));
        return [.. json.RootElement.GetProperty("libraries").EnumerateArray().Select(l =>
        {
            var id = l.GetProperty("library").GetString()!;
            var at = id.LastIndexOf('@'); // scoped packages start with '@'
            return new Library(id[..at], id[(at + 1)..], l.GetProperty("destination").GetString()!,
                [.. l.GetProperty("files").EnumerateArray().Select(f => f.GetString()!)]);
        })];
    }

    public static TheoryData<string> LibraryNames() => [.. Declared().Select(l => l.Name)];

    [Fact]
    public void Libman_declares_the_agreed_libraries_and_every_one_has_a_version_rule()
    {
        var declared = Declared().ToDictionary(l => l.Name, l => l.Version);
        Assert.Equal("5.3.8", declared["bootstrap"]);
        Assert.Equal("10.0.11", declared["@microsoft/signalr"]);
        Assert.Equal("8.6.0", declared["pusher-js"]);
        Assert.StartsWith("4.", declared["chart.js"]);
        Assert.Equal(Banners.Keys.Order(), declared.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(LibraryNames))]
    public void Every_declared_file_is_committed_under_its_destination(string name)
    {
        var library = Declared().Single(l => l.Name == name);
        var missing = library.Files
            .Select(f => Path.Combine(RepositoryRoot.Path, library.Destination, f))
            .Where(p => !File.Exists(p) || new FileInfo(p).Length == 0)
            .ToList();
        Assert.True(missing.Count == 0, $"{name}@{library.Version}: missing or empty: {string.Join(", ", missing)}");
    }

    [Theory]
    [MemberData(nameof(LibraryNames))]
    public void The_committed_files_carry_the_declared_version(string name)
    {
        var library = Declared().Single(l => l.Name == name);
        foreach (var (file, rule) in Banners[name])
        {
            Assert.Contains(file, library.Files); // a rule about a file libman does not install would prove nothing
            var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, library.Destination, file));
            var versions = rule.Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();
            Assert.True(versions.Count == 1, $"{name} {file}: expected one version banner, found [{string.Join(", ", versions)}]");
            Assert.True(library.Version == versions[0], $"{name} {file}: libman.json declares {library.Version}, the file is {versions[0]}");
        }
    }
}
