using System.Text.Json;

namespace AdminConsole.Web.Tests.Shell;

/// <summary>
/// libman.json is the record of which client libraries (and versions) the console ships; the files are committed
/// because no CDN is reachable. These tests keep the two in step by file: every declared file is there and nothing
/// else is. They do not read version strings inside the minified bundles (each bundler hides them differently);
/// a library updated by libman replaces its files, which is what the declaration records.
/// </summary>
public class LibmanTests
{
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
    public void Libman_declares_the_agreed_libraries()
    {
        var declared = Declared().ToDictionary(l => l.Name, l => l.Version);
        Assert.Equal("5.3.8", declared["bootstrap"]);
        Assert.Equal("10.0.11", declared["@microsoft/signalr"]);
        Assert.Equal("8.6.0", declared["pusher-js"]);
        Assert.StartsWith("4.", declared["chart.js"]);
        Assert.Equal(["@microsoft/signalr", "bootstrap", "chart.js", "pusher-js"], declared.Keys.Order());
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

    [Fact]
    public void Nothing_undeclared_sits_in_wwwroot_lib()
    {
        var declared = Declared()
            .SelectMany(l => l.Files.Select(f => Path.GetFullPath(Path.Combine(RepositoryRoot.Path, l.Destination, f))))
            .ToHashSet();
        var lib = Path.Combine(RepositoryRoot.Path, "wwwroot", "lib");
        var undeclared = Directory.EnumerateFiles(lib, "*", SearchOption.AllDirectories)
            .Where(f => !declared.Contains(Path.GetFullPath(f)))
            .Select(f => Path.GetRelativePath(RepositoryRoot.Path, f))
            .ToList();
        Assert.True(undeclared.Count == 0, $"in wwwroot/lib but not in libman.json: {string.Join(", ", undeclared)}");
    }
}
