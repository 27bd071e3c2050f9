using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScimFunctions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddScim(builder.Configuration);
builder.Services.AddScimTelemetry(builder.Configuration).UseFunctionsWorkerDefaults();
if (string.IsNullOrWhiteSpace(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    // Without Application Insights (a local run under the Functions host), the provisioning records go to the
    // worker's console, one line each, which the host shows under its category Host.Function.Console.
    builder.Logging.ClearProviders();
    builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
}

builder.Build().Run();
