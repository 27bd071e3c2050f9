using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Hosting;
using ScimFunctions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddScim(builder.Configuration);
builder.Services.AddScimTelemetry(builder.Configuration).UseFunctionsWorkerDefaults();
builder.Build().Run();
