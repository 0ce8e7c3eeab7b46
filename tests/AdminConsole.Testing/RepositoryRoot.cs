namespace AdminConsole.Testing;

/// <summary>The clone the tests run from: the folder holding AdminConsole.sln.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    /// <summary>Debug or Release: whatever the test assembly itself was built as (bin/{Configuration}/net10.0/).</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The web project's own build output (it has the runtimeconfig that `dotnet x.dll` needs).</summary>
    public static string WebAssembly => System.IO.Path.Combine(Path, "src", "AdminConsole.Web", "bin", Configuration, "net10.0", "AdminConsole.Web.dll");

    /// <summary>tests/interop: the npm peers (pusher, pusher-js) and the node scripts that drive them.</summary>
    public static string Interop => System.IO.Path.Combine(Path, "tests", "interop");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "AdminConsole.sln")))
                return dir.FullName;
        throw new InvalidOperationException("AdminConsole.sln not found above " + AppContext.BaseDirectory);
    }
}
