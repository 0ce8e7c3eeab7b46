using AdminConsole.Web.Data;
using AdminConsole.Web.Pusher;
using AdminConsole.Web.Security;
using AdminConsole.Web.Shared;

var builder = WebApplication.CreateBuilder(args);

builder.AddTopLevelSettings();
builder.AddData();
builder.AddPusher();
builder.AddSecurity();
builder.AddConsoleShell();

var app = builder.Build();

app.UseConsoleShell();
app.MapConsoleShell();

app.Run();

/// <summary>Entry point; public so WebApplicationFactory can host the app in tests.</summary>
public partial class Program;
