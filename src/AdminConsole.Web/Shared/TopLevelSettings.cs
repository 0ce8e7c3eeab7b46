using Microsoft.Extensions.Configuration.Json;

namespace AdminConsole.Web.Shared;

public static class TopLevelSettings
{
    public const string DefaultUrl = "http://127.0.0.1:8008";

    /// <summary>
    /// Listens on <see cref="DefaultUrl"/> unless the deployment says where. The default is not in appsettings.json:
    /// app configuration outranks the host's ASPNETCORE_URLS, so a "Urls" key there silently beat the variable
    /// that containers set. Anything that names an address (--urls, ASPNETCORE_URLS, Urls,
    /// ASPNETCORE_HTTP_PORTS/HTTPS_PORTS, Kestrel:Endpoints) wins over the default.
    /// </summary>
    public static void UseDefaultUrl(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        if (string.IsNullOrEmpty(config[WebHostDefaults.ServerUrlsKey])
            && string.IsNullOrEmpty(config[WebHostDefaults.HttpPortsKey])
            && string.IsNullOrEmpty(config[WebHostDefaults.HttpsPortsKey])
            && !config.GetSection("Kestrel:Endpoints").GetChildren().Any())
            builder.WebHost.UseUrls(DefaultUrl);
    }

    /// <summary>
    /// The user keeps appsettings.{Environment}.json at the repository's top level, not beside the project.
    /// The build links it into the output folder (and publish output); this reads it from there, right after
    /// the default appsettings files, so environment variables and the command line still override it.
    /// </summary>
    public static void AddTopLevelSettings(this WebApplicationBuilder builder)
    {
        var fileName = $"appsettings.{builder.Environment.EnvironmentName}.json";
        var path = Path.Combine(AppContext.BaseDirectory, fileName);
        var contentRootCopy = Path.Combine(builder.Environment.ContentRootPath, fileName);
        if (!File.Exists(path) || File.Exists(contentRootCopy))
            return; // published: the default loader already read it from the content root

        var sources = builder.Configuration.Sources;
        var lastJson = -1;
        for (var i = 0; i < sources.Count; i++)
            if (sources[i] is JsonConfigurationSource { Path: not null } json && json.Path.StartsWith("appsettings", StringComparison.OrdinalIgnoreCase))
                lastJson = i;

        var source = new JsonConfigurationSource { Path = path, Optional = true, ReloadOnChange = true };
        source.ResolveFileProvider();
        sources.Insert(lastJson + 1, source);
    }
}
