using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using ScimFunctions.LoadTest;

// Provisioning benchmark: docs/performance.md explains the phases, the targets and how to read the ratios.
//   dotnet run -c Release --project bench/ScimFunctions.LoadTest -- [--users 20000] [--concurrency 8] [--out FILE]
//       [--host local|real] [--instances N] [--rounds 5]
// --host real runs the Functions app under the real Functions host (../shared/functions-host); --instances N starts N
// instances on the same Azurite and spreads the requests over them round-robin.
var users = Option("--users", 20_000);
var concurrency = Option("--concurrency", 8);
var instanceCount = Math.Max(1, Option("--instances", 1));
var realHost = Text("--host", "local") switch
{
    "real" => true,
    "local" => false,
    var other => throw new ArgumentException($"--host is local or real, not '{other}'."),
};
var sample = Math.Min(2_000, users);
var output = Text("--out", null);
// Ours and raw alternate in this many rounds per phase; the report gives the median of the rounds' ratios.
var rounds = Math.Max(1, Option("--rounds", 5));
var root = RepositoryRoot();
var invariant = CultureInfo.InvariantCulture;
var hostDirectory = Environment.GetEnvironmentVariable("FUNCTIONS_HOST_DIR") ?? Path.Combine(root, "..", "shared", "functions-host");

Console.WriteLine(realHost ? "Building the Functions app and the Functions host..." : "Building the local server (Release)...");
Run("dotnet", $"build \"{Path.Combine(root, "src", realHost ? "ScimFunctions" : "ScimFunctions.LocalHost")}\" -c Release --nologo -v quiet");
if (realHost)
{
    Run("bash", $"\"{Path.Combine(hostDirectory, "build.sh")}\"");
}

var tablePort = FreePort();
var blobPort = FreePort();
var queuePort = FreePort();
// Table, blob and queue: the Functions host keeps its state in blobs and queues, and change events go to a queue.
using var azurite = Start(Path.Combine(root, "node_modules", ".bin", "azurite"),
    ["--inMemoryPersistence", "--tableHost", "127.0.0.1", "--tablePort", tablePort.ToString(invariant), "--blobHost", "127.0.0.1", "--blobPort", blobPort.ToString(invariant),
     "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString(invariant), "--skipApiVersionCheck", "--silent"], new());
await WaitForPortAsync(tablePort);
var storage = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;"
    + $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;";
var tokenFile = Path.Combine(Path.GetTempPath(), $"scim-load-{Guid.NewGuid():N}.json");

// The organization and its token, through the stores scim-admin uses (the instances read the same token file).
var scimTable = new ScimFunctions.Infrastructure.Storage.ScimTable(new TableServiceClient(storage).GetTableClient("scim"));
await scimTable.CreateIfNotExistsAsync(CancellationToken.None);
await new ScimFunctions.Infrastructure.Organizations.OrganizationStore(scimTable, TimeProvider.System).CreateAsync("load", "Load test", null, CancellationToken.None);
using var tokenStore = new ScimFunctions.Infrastructure.Authentication.FileTokenStore(tokenFile);
var token = (await new ScimFunctions.Infrastructure.Authentication.TokenIssuer(tokenStore, TimeProvider.System).IssueAsync("load", CancellationToken.None)).Token;

// The instances, one after the other: from the first process start to its first answered request is the start-up time.
var startClock = Stopwatch.StartNew();
TimeSpan startup = default;
var processes = new List<Process>();
var clients = new List<HttpClient>();
for (var n = 0; n < instanceCount; n++)
{
    var port = FreePort();
    var settings = new Dictionary<string, string>
    {
        ["Scim__Storage__ConnectionString"] = storage,
        ["Scim__KeyVault__LocalStorePath"] = tokenFile,
        ["Scim__RateLimit__RequestsPerSecond"] = "0",
        ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
        ["Logging__LogLevel__ScimFunctions"] = "Warning",
        ["DOTNET_gcServer"] = "0",
    };
    if (realHost)
    {
        settings["AzureWebJobsStorage"] = storage;
        settings["AzureFunctionsJobHost__Logging__LogLevel__Default"] = "Warning";
        processes.Add(Start("bash", [Path.Combine(hostDirectory, "run.sh"), Path.Combine(root, "src", "ScimFunctions", "bin", "Release", "net10.0"), port.ToString(invariant)], settings));
    }
    else
    {
        settings["SCIM_LOCAL_PORT"] = port.ToString(invariant);
        settings["SCIM_LOCAL_TOKENS"] = $"load={token}";
        processes.Add(Start("dotnet", [Path.Combine(root, "src", "ScimFunctions.LocalHost", "bin", "Release", "net10.0", "ScimFunctions.LocalHost.dll")], settings));
    }

    var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}/api/sch/scim/v2/"),
        Timeout = TimeSpan.FromSeconds(60),
    };
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    clients.Add(client);
    var instanceClock = Stopwatch.StartNew();
    while (true)
    {
        try
        {
            if ((await client.GetAsync("ServiceProviderConfig")).StatusCode == HttpStatusCode.OK)
            {
                break;
            }
        }
        catch (HttpRequestException)
        {
        }

        if (processes[^1].HasExited || instanceClock.Elapsed > TimeSpan.FromMinutes(2))
        {
            throw new InvalidOperationException($"Instance {n + 1} did not start.");
        }

        await Task.Delay(5);
    }

    if (n == 0)
    {
        startup = startClock.Elapsed;
    }
}

using var http = new Instances(processes, clients);
var server = processes[0];

Console.WriteLine($"First instance answered after {startup.TotalMilliseconds:F0} ms. Running with {users} users, concurrency {concurrency}, {instanceCount} instance(s), {(realHost ? "real Functions host" : "local server")}.");

var raw = new RawStorage(new TableServiceClient(storage).GetTableClient("raw"));
// Rows of the organization's partition at the end of provisioning: each user, its userName, externalId and email
// index rows, plus groups and memberships; the raw partition is filled to the same size.
await raw.CreateAsync(users * 4);
var results = new List<(Phase Ours, Phase? Raw)>();
var ids = new string[users];
string UserName(int i) => $"user{i:D6}@contoso.com";

async Task<int> ProvisionAsync(int i)
{
    var name = UserName(i);
    var lookup = await http.GetAsync($"Users?filter={Uri.EscapeDataString($"userName eq \"{name}\"")}&aadOptscim062020");
    if (lookup.StatusCode != HttpStatusCode.OK)
    {
        return (int)lookup.StatusCode;
    }

    var created = await http.PostAsync("Users", Json($$"""
        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
         "externalId":"{{Guid.NewGuid()}}","userName":"{{name}}","active":true,"displayName":"User {{i}}",
         "emails":[{"primary":true,"type":"work","value":"{{name}}"}],
         "name":{"formatted":"User {{i}}","familyName":"User","givenName":"{{i}}"},
         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Engineering"}
        }
        """));
    if (created.StatusCode == HttpStatusCode.Created)
    {
        ids[i] = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
    }

    return (int)created.StatusCode;
}

async Task<int> LookupAsync(int i)
{
    var response = await http.GetAsync($"Users?filter={Uri.EscapeDataString($"userName eq \"{UserName(Random.Shared.Next(i))}\"")}");
    return (int)response.StatusCode;
}

// Warm-up, not measured: every instance runs each kind of request a few times (JIT, connection pools, caches), so
// that one instance and three are compared warm, as Flex Consumption's instances are after their first requests.
await Phase.RunAsync("warm-up", 40 * instanceCount, concurrency, async i =>
{
    var name = $"warm{i}@contoso.com";
    var created = await http.PostAsync("Users", Json($$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{{name}}","externalId":"w{{i}}","emails":[{"value":"{{name}}","type":"work"}]}"""));
    var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
    await http.GetAsync($"Users?filter={Uri.EscapeDataString($"userName eq \"{name}\"")}");
    await http.GetAsync($"Users/{id}");
    await Patch($"Users/{id}", """{"op":"Replace","path":"active","value":"False"}""");
    await http.GetAsync("Users?startIndex=1&count=10");
    return (int)(await http.DeleteAsync($"Users/{id}")).StatusCode;
});

var firstBatch = Math.Min(1_000, users);
results.Add(await Phase.AlternateAsync("Provision (filter userName eq, then POST), first 1,000", "raw: two index reads + transaction of user and index rows",
    firstBatch, concurrency, rounds, ProvisionAsync, raw.ProvisionAsync));
// The same provisioning with one worker: without racing writers, the organization's counter row is no contention.
results.Add(await Phase.AlternateAsync("Provision, one worker (no contention)", "raw: point read + transaction, one worker",
    200, 1, rounds, i => ProvisionAsync(users - 1 - i), i => raw.ProvisionAsync(100_000 + i)));
var (lookupSmall, rawLookupSmall) = await Phase.AlternateAsync($"Lookup userName eq at {firstBatch:N0} users", "raw: index read + user read",
    sample, concurrency, rounds, i => LookupAsync(firstBatch), i => raw.LookupAsync(firstBatch));
results.Add((lookupSmall, rawLookupSmall));
if (users > firstBatch)
{
    results.Add((await Phase.RunAsync($"Provision users {firstBatch:N0} to {users - 200:N0}", users - firstBatch - 200, concurrency, i => ProvisionAsync(i + firstBatch)), null));
}

var rss = Memory(server);
var (lookupLarge, rawLookupLarge) = await Phase.AlternateAsync($"Lookup userName eq at {users:N0} users", "raw: index read + user read",
    sample, concurrency, rounds, i => LookupAsync(users), i => raw.LookupAsync(firstBatch));
results.Add((lookupLarge, rawLookupLarge));
results.Add(await Phase.AlternateAsync("GET /Users/{id}", "raw: point read", sample, concurrency, rounds,
    async i => (int)(await http.GetAsync($"Users/{ids[Random.Shared.Next(users)]}")).StatusCode, i => raw.GetAsync(Random.Shared.Next(firstBatch))));
results.Add(await Phase.AlternateAsync("PATCH two attributes (Entra shape)", "raw: point read + replace", sample, concurrency, rounds, async i => (int)(await Patch($"Users/{ids[i]}", $$"""
        {"op":"Replace","path":"title","value":"Engineer {{i}}"},{"op":"Replace","path":"name.givenName","value":"G{{i}}"}
        """)).StatusCode,
    i => raw.ReplaceAsync(i % firstBatch)));
results.Add(await Phase.AlternateAsync("Deactivate (PATCH active \"False\")", "raw: point read + replace", sample, concurrency, rounds, async i => (int)(await Patch($"Users/{ids[(firstBatch + i) % users]}",
        """{"op":"Replace","path":"active","value":"False"}""")).StatusCode,
    i => raw.ReplaceAsync(i % firstBatch)));

// Groups: 5,000 members in PATCHes of 50, then single adds to a group of 5,000 and to a group of 10.
var big = await CreateGroupAsync("Everyone");
var members = Math.Min(5_000, users);
results.Add((await Phase.RunAsync($"Add {members:N0} members in PATCHes of 50, in order", members / 50, 1, async b => (int)(await Patch($"Groups/{big}",
        $$"""{"op":"Add","path":"members","value":[{{string.Join(',', Enumerable.Range(b * 50, 50).Select(i => $$"""{"value":"{{ids[i]}}"}"""))}}]}""")).StatusCode),
    await Phase.RunAsync("raw: 50 membership pairs (two transactions)", members / 50, 1, b => raw.AddMembersAsync("big", b * 50, 50))));
var small = await CreateGroupAsync("Ten");
await Patch($"Groups/{small}", $$"""{"op":"Add","path":"members","value":[{{string.Join(',', Enumerable.Range(0, 10).Select(i => $$"""{"value":"{{ids[users - 1 - i]}}"}"""))}}]}""");
// One op = one member added (a PATCH) and removed again (a second PATCH), and raw does the storage work of both.
async Task<(Phase, Phase)> SingleAddsAsync(string group, string label) => await Phase.AlternateAsync(label,
    "raw: add (read group and user, one transaction of pair and group) and remove (read group and pair, one transaction)", 200, 1, rounds, async i =>
    {
        var user = ids[(members + 100 + i) % users];
        var added = await Patch($"Groups/{group}", $$"""{"op":"Add","path":"members","value":[{"value":"{{user}}"}]}""");
        var removed = await Patch($"Groups/{group}", $$"""{"op":"Remove","path":"members","value":[{"value":"{{user}}"}]}""");
        return added.IsSuccessStatusCode ? (int)removed.StatusCode : (int)added.StatusCode;
    },
    async i =>
    {
        await raw.AddMemberAsync("single", i);
        return await raw.RemoveMemberAsync("single", i);
    });
var (addToSmall, rawAddSmall) = await SingleAddsAsync(small, "One member added to a group of 10 and removed (two PATCHes)");
var (addToBig, rawAddBig) = await SingleAddsAsync(big, $"One member added to a group of {members:N0} and removed (two PATCHes)");
results.Add((addToSmall, rawAddSmall));
results.Add((addToBig, rawAddBig));

// Okta's group push: one POST /Groups with every member (target: answered within 20 s for 5,000).
var pushed = await Phase.RunAsync($"POST /Groups with {members:N0} members (Okta push)", 1, 1, async _ =>
{
    var body = $$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Pushed","members":[{{string.Join(',', ids.Take(members).Select(id => $$"""{"value":"{{id}}"}"""))}}]}""";
    var response = await http.PostAsync("Groups", Json(body));
    return (int)response.StatusCode;
});
results.Add((pushed, null));

// The range-read phases (import pages, DELETE's membership read) compare partitions of the same size: the
// organization's has grown by the journal's rows since the start.
var organizationRows = await RawStorage.CountAsync(new TableServiceClient(storage).GetTableClient("scim"), "load");
var filled = await raw.FillToAsync(organizationRows);
Console.WriteLine($"Partitions before the import and DELETE phases: {organizationRows:N0} rows (raw filled up by {filled:N0}).");

// Okta import: startIndex/count=100 over every user, in order.
var pages = (users + 99) / 100;
var pageTimes = new double[pages];
var import = await Phase.RunAsync("Import page (startIndex/count 100, Okta)", pages, 1, async p =>
{
    var clock = Stopwatch.StartNew();
    var response = await http.GetAsync($"Users?startIndex={(p * 100) + 1}&count=100");
    await response.Content.ReadAsByteArrayAsync();
    pageTimes[p] = clock.Elapsed.TotalMilliseconds;
    return (int)response.StatusCode;
});
results.Add((import, await Phase.RunAsync("raw: key-range read of 100", Math.Min(pages, 10), 1, p => raw.PageAsync(p))));
results.Add(await Phase.AlternateAsync("DELETE /Users/{id}", "raw: point read + membership range read + transaction delete", Math.Min(sample, firstBatch), concurrency, rounds,
    async i => (int)(await http.DeleteAsync($"Users/{ids[users - 1 - i]}")).StatusCode, raw.DeleteAsync));
// DELETE is a soft delete (issue 13): against raw doing what a soft delete needs (the deleted copy and its match row).
var softDeletes = Math.Min(users - Math.Min(sample, firstBatch), 1_000);
if (softDeletes > 0)
{
    await raw.RestoreUsersAsync();
    results.Add(await Phase.AlternateAsync("DELETE /Users/{id} (other users)", "raw soft delete: point read + membership range read and match row + transaction of delete and deleted copy",
        softDeletes, concurrency, rounds, async i => (int)(await http.DeleteAsync($"Users/{ids[i]}")).StatusCode, raw.SoftDeleteAsync));
}

var tenth = Math.Max(1, pages / 10);
var firstPages = pageTimes.Take(tenth).Average();
var lastPages = pageTimes.Skip(pages - tenth).Average();
var report = new StringBuilder()
    .AppendLine(CultureInfo.InvariantCulture, $"Users: {users:N0}; concurrency {concurrency}; {instanceCount} instance(s) under the {(realHost ? "real Functions host" : "local server")}; {Environment.ProcessorCount} cores; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC")
    .AppendLine()
    .AppendLine("| phase | ops | ops/s | p50 ms | p95 ms | p99 ms | errors | raw ops/s (ours as % of raw) |")
    .AppendLine("|---|---:|---:|---:|---:|---:|---|---|");
foreach (var (ours, rawPhase) in results)
{
    report.AppendLine(ours.Row(rawPhase));
}

report.AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"- Start-up, process start to first answered request: {startup.TotalMilliseconds:F0} ms (target ≤ 1,500 ms)")
    .AppendLine(CultureInfo.InvariantCulture, $"- Memory of the first instance after {users:N0} users: RSS {rss.Rss / 1024.0:F0} MB, peak {rss.Peak / 1024.0:F0} MB (target ≤ 250 MB; under the real host, the host process)")
    .AppendLine(CultureInfo.InvariantCulture, $"- Lookup p50 at {users:N0} users / at {firstBatch:N0}: {lookupLarge.Percentile(50) / lookupSmall.Percentile(50):F2}× (target ≤ 1.2×)")
    .AppendLine(CultureInfo.InvariantCulture, $"- Single member add p50, group of {members:N0} / group of 10: {addToBig.Percentile(50) / addToSmall.Percentile(50):F2}× (target ≤ 1.2×)")
    .AppendLine(CultureInfo.InvariantCulture, $"- Import page time, last 10% of pages / first 10%: {lastPages / firstPages:F2}× ({firstPages:F1} ms → {lastPages:F1} ms)")
    .AppendLine(CultureInfo.InvariantCulture, $"- Partitions of the import and DELETE phases: {organizationRows:N0} rows each (raw filled up by {filled:N0})");
Console.WriteLine();
Console.WriteLine(report);
if (output is not null)
{
    await File.WriteAllTextAsync(output, report.ToString());
}

http.Dispose();
azurite.Kill(entireProcessTree: true);
File.Delete(tokenFile);
return 0;

Task<HttpResponseMessage> Patch(string path, string operations) =>
    http.PatchAsync(path, Json($$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{{operations}}]}"""));

async Task<string> CreateGroupAsync(string name)
{
    var response = await http.PostAsync("Groups", Json($$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"{{name}}"}"""));
    return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
}

static StringContent Json(string json) => new(json, Encoding.UTF8, "application/scim+json");

int Option(string name, int fallback) =>
    Text(name, null) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

string? Text(string name, string? fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;

static (long Rss, long Peak) Memory(Process process)
{
    long Read(string key) => File.ReadLines($"/proc/{process.Id}/status").Where(l => l.StartsWith(key, StringComparison.Ordinal))
        .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)).FirstOrDefault();
    return (Read("VmRSS:"), Read("VmHWM:"));
}

static Process Start(string file, string[] arguments, Dictionary<string, string> environment)
{
    var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var argument in arguments)
    {
        start.ArgumentList.Add(argument);
    }

    foreach (var (key, value) in environment)
    {
        start.Environment[key] = value;
    }

    var process = Process.Start(start)!;
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, _) => { };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static void Run(string file, string arguments)
{
    using var process = Process.Start(new ProcessStartInfo(file, arguments))!;
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {arguments} failed.");
    }
}

static async Task WaitForPortAsync(int port)
{
    for (var i = 0; i < 300; i++)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return;
        }
        catch (SocketException)
        {
            await Task.Delay(100);
        }
    }

    throw new TimeoutException("Azurite did not start.");
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static string RepositoryRoot()
{
    for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "ScimFunctions.sln")))
        {
            return directory.FullName;
        }
    }

    throw new InvalidOperationException("Run from inside the repository.");
}
