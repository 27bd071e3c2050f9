using ScimFunctions.Admin;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var cli = new AdminCli(Console.Out, Console.Error, TimeProvider.System);
return await cli.RunAsync(args, options => AdminTarget.Resolve(options, Environment.GetEnvironmentVariable), cancel.Token);
