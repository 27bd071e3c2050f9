using Microsoft.Extensions.Configuration;
using ScimFunctions.Admin;
using ScimFunctions.Core.Schema;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// The extension schemas the deployment configures (Scim__Extensions__0__Id=…), so that users written here validate as
// the endpoint validates them.
var extensions = new ConfigurationBuilder().AddEnvironmentVariables().Build()
    .GetSection("Scim:Extensions").Get<List<ExtensionSchemaOptions>>() ?? [];
var cli = new AdminCli(Console.Out, Console.Error, TimeProvider.System, ScimSchemaRegistry.Create(extensions));
return await cli.RunAsync(args, options => AdminTarget.Resolve(options, Environment.GetEnvironmentVariable), cancel.Token);
