using System.Text.RegularExpressions;
using AdminConsole.Web.Tests.Infrastructure;

namespace AdminConsole.Web.Tests.Shell;

/// <summary>
/// The web project's top-level folders are features (or shared foundations) and must not depend on each other in
/// circles. A folder depends on another when any of its .cs or .cshtml files names the other's namespace
/// (<c>using AdminConsole.Web.X</c>, <c>@using</c>, <c>@model</c>, <c>@inject</c>, or a qualified name). Files at the
/// project root (Program.cs, _ViewImports.cshtml, _ViewStart.cshtml) are the composition root and may use everything,
/// except that the root _ViewImports is imported into every page, so it may name foundations only.
/// </summary>
public partial class FeatureDependencyTests
{
    /// <summary>Shared foundations: any feature may depend on them; they never depend on a feature.</summary>
    public static readonly IReadOnlySet<string> Foundations = new HashSet<string>(StringComparer.Ordinal) { "Data", "Shared" };

    private static string WebRoot => Path.Combine(RepositoryRoot.Path, "src", "AdminConsole.Web");

    [Fact]
    public void No_cycle_between_the_top_level_folders_of_the_web_project()
    {
        var graph = DependencyGraph.Of(WebRoot);
        Assert.True(graph.Folders.Count > 5, "the scan found the feature folders");
        var cycle = DependencyGraph.FindCycle(graph.Edges);
        Assert.True(cycle is null, cycle is null ? "" : "Folders depend on each other in a circle: " + graph.Describe(cycle));
    }

    [Fact]
    public void Foundations_depend_on_no_feature()
    {
        var graph = DependencyGraph.Of(WebRoot);
        var wrong = graph.Edges
            .Where(e => Foundations.Contains(e.Key))
            .SelectMany(e => e.Value.Where(to => !Foundations.Contains(to)).Select(to => graph.Describe([e.Key, to])))
            .ToList();
        Assert.True(wrong.Count == 0, "Foundations depend on features: " + string.Join("; ", wrong));
    }

    [Fact]
    public void The_root_view_imports_name_foundations_only()
    {
        var imported = DependencyGraph.ReferencedFolders(File.ReadAllText(Path.Combine(WebRoot, "_ViewImports.cshtml")));
        Assert.All(imported, folder => Assert.Contains(folder, Foundations));
    }

    [Fact]
    public void The_cycle_search_names_the_cycle_it_finds()
    {
        var edges = new Dictionary<string, HashSet<string>>
        {
            ["Live"] = ["Occupancy", "Data"],
            ["Occupancy"] = ["Webhooks", "Data"],
            ["Webhooks"] = ["Live"],
            ["Data"] = [],
        };
        Assert.Equal(["Live", "Occupancy", "Webhooks", "Live"], DependencyGraph.FindCycle(edges));
        edges["Webhooks"].Clear();
        Assert.Null(DependencyGraph.FindCycle(edges));
    }

    internal sealed partial class DependencyGraph
    {
        public required IReadOnlySet<string> Folders { get; init; }
        public required Dictionary<string, HashSet<string>> Edges { get; init; }

        /// <summary>For each edge, a file that makes it: what a failure message points at.</summary>
        public required Dictionary<(string From, string To), string> Witness { get; init; }

        public static DependencyGraph Of(string webRoot)
        {
            var folders = Directory.EnumerateDirectories(webRoot)
                .Select(Path.GetFileName)
                .Where(n => n is not ("bin" or "obj" or "Properties"))
                .Select(n => n!)
                .ToHashSet(StringComparer.Ordinal);
            var edges = folders.ToDictionary(f => f, _ => new HashSet<string>(StringComparer.Ordinal));
            var witness = new Dictionary<(string, string), string>();
            foreach (var folder in folders)
            {
                foreach (var file in Directory.EnumerateFiles(Path.Combine(webRoot, folder), "*.*", SearchOption.AllDirectories))
                {
                    var relative = Path.GetRelativePath(webRoot, file).Replace('\\', '/');
                    if (!(relative.EndsWith(".cs", StringComparison.Ordinal) || relative.EndsWith(".cshtml", StringComparison.Ordinal)))
                        continue;
                    // Generated: the model snapshot and migration designers name entity types in strings.
                    if (relative.StartsWith("Data/Migrations/", StringComparison.Ordinal) || relative.Contains("/bin/") || relative.Contains("/obj/"))
                        continue;
                    foreach (var to in ReferencedFolders(File.ReadAllText(file)).Where(t => t != folder && folders.Contains(t)))
                    {
                        edges[folder].Add(to);
                        witness.TryAdd((folder, to), relative);
                    }
                }
            }
            return new DependencyGraph { Folders = folders, Edges = edges, Witness = witness };
        }

        public static IReadOnlySet<string> ReferencedFolders(string source) =>
            Reference().Matches(source).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        /// <summary>The first cycle found by depth-first search, as a path that ends where it starts; null if none.</summary>
        public static List<string>? FindCycle(Dictionary<string, HashSet<string>> edges)
        {
            var done = new HashSet<string>();
            var path = new List<string>();
            foreach (var start in edges.Keys.Order(StringComparer.Ordinal))
                if (Visit(start) is { } cycle)
                    return cycle;
            return null;

            List<string>? Visit(string node)
            {
                var onPath = path.IndexOf(node);
                if (onPath >= 0)
                    return [.. path[onPath..], node];
                if (!done.Add(node))
                    return null;
                path.Add(node);
                foreach (var next in edges.GetValueOrDefault(node, []).Order(StringComparer.Ordinal))
                    if (Visit(next) is { } cycle)
                        return cycle;
                path.RemoveAt(path.Count - 1);
                return null;
            }
        }

        public string Describe(IReadOnlyList<string> path) =>
            string.Join(" -> ", path) + " (" + string.Join(", ", path.Zip(path.Skip(1)).Select(e =>
                $"{e.First} -> {e.Second} in {Witness.GetValueOrDefault(e, "?")}")) + ")";

        [GeneratedRegex(@"\bAdminConsole\.Web\.([A-Za-z_][A-Za-z0-9_]*)")]
        private static partial Regex Reference();
    }
}
