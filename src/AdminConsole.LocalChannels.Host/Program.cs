using AdminConsole.LocalChannels;

var builder = WebApplication.CreateBuilder(args);
// Own port by default so it can run beside the console (which uses 8008); --urls or ASPNETCORE_URLS override it.
if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:6001");
}
var options = builder.Configuration.GetSection(LocalChannelsOptions.SectionName).Get<LocalChannelsOptions>() ?? new LocalChannelsOptions();
builder.Services.AddLocalChannels(options);

var app = builder.Build();
app.UseWebSockets();
app.MapLocalChannels();
app.MapGet("/", () => Results.Text($"Local Pusher Channels server: app id {options.AppId}, key {options.Key}. WebSocket /app/{{key}}, HTTP API /apps/{{appId}}/..."));
app.Logger.LogInformation("Local Channels app {AppId} (key {Key}); {Count} webhook URL(s)", options.AppId, options.Key, options.Webhooks.Urls.Count);
app.Run();
