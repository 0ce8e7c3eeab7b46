using AdminConsole.Web.ApiAccess;
using AdminConsole.Web.ChannelAuth;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Cluster;
using AdminConsole.Web.Compose;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Live;
using AdminConsole.Web.Memberships;
using AdminConsole.Web.Occupancy;
using AdminConsole.Web.Pusher;
using AdminConsole.Web.Security;
using AdminConsole.Web.Shared;
using AdminConsole.Web.Telemetry;
using AdminConsole.Web.Transport;
using AdminConsole.Web.Users;
using AdminConsole.Web.Webhooks;

var builder = WebApplication.CreateBuilder(args);

builder.AddTopLevelSettings();
builder.UseDefaultUrl();
builder.AddData();
builder.AddPusher();
builder.AddLocalChannels();
builder.AddCluster();
builder.AddMemberships();
builder.AddSecurity();
builder.AddTransport();
builder.AddConsoleShell();
builder.AddUsers();
builder.AddClasses();
builder.AddWebhooks();
builder.AddOccupancy();
builder.AddChannelAuth();
builder.AddCompose();
builder.AddEventLog();
builder.AddLive();
builder.AddApiAccess();
builder.AddTelemetry();

var app = builder.Build();

if (CreateAdminCommand.IsRequested(args))
    return await CreateAdminCommand.RunAsync(app.Services, args, CommandConsole.System);
if (CreateTokenCommand.IsRequested(args))
    return await CreateTokenCommand.RunAsync(app.Services, args, CommandConsole.System);

app.UseTransport();
app.UseApiAccess(); // CORS for the configured origins, before routing answers preflights
app.UseConsoleShell();
app.UsePasswordChangeRequired(); // after authentication: an administrator-set password is replaced first
app.MapConsoleShell();
app.MapWebhooks();
app.MapChannelAuth();
app.MapCompose();
app.MapEventLog();
app.MapLive();
app.MapApiAccess();
app.MapTelemetry();

try
{
    app.Run();
}
catch (StartRefusedException refused)
{
    // A setting or situation the operator must fix (e.g. a second instance in local mode): the message, no stack trace.
    await Console.Error.WriteLineAsync(refused.Message);
    return StartRefusedException.ExitCode;
}
return 0;

/// <summary>Entry point; public so WebApplicationFactory can host the app in tests.</summary>
public partial class Program;
