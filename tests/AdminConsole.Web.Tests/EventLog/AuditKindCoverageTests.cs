using System.Reflection;
using System.Text.RegularExpressions;
using AdminConsole.Web.EventLog;

namespace AdminConsole.Web.Tests.EventLog;

/// <summary>
/// The log is only complete if every kind is written by the action that causes it, and each such action has a
/// test that performs it and checks its entry. The tests live beside their features (Users/, Classes/,
/// Security/, Auth/, Compose/, Webhooks/, EventLog/); this keeps the rule from eroding as kinds are added.
/// </summary>
public class AuditKindCoverageTests
{
    /// <summary>Kinds declared for features that do not write them yet (see the event log's closing note).</summary>
    private static readonly string[] NotYetWritten = [];

    private static readonly (string Name, string Value)[] Kinds = typeof(AuditKinds)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (f.Name, (string)f.GetRawConstantValue()!))
        .ToArray();

    private static string Sources(string folder, params string[] except) => string.Join('\n',
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, folder), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Where(f => !except.Any(f.EndsWith))
            .Select(File.ReadAllText));

    [Fact]
    public void Every_kind_the_console_writes_has_a_test_that_causes_it()
    {
        var src = Sources("src/AdminConsole.Web", "AuditEntry.cs");
        var tests = Sources("tests/AdminConsole.Web.Tests", nameof(AuditKindCoverageTests) + ".cs") + Sources("tests/AdminConsole.E2E");

        bool Mentions(string code, string name, string value) =>
            Regex.IsMatch(code, $@"AuditKinds\.{name}\b") || code.Contains($"\"{value}\"", StringComparison.Ordinal);

        var written = Kinds.Where(k => Regex.IsMatch(src, $@"AuditKinds\.{k.Name}\b")).ToList();
        var untested = written.Where(k => !Mentions(tests, k.Name, k.Value)).Select(k => k.Name).ToList();
        Assert.True(untested.Count == 0, "Kinds written without a test that causes them: " + string.Join(", ", untested));

        var unwritten = Kinds.Except(written).Select(k => k.Name).Order().ToList();
        Assert.Equal(NotYetWritten.Order(), unwritten);
    }
}
