using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace ScimFunctions.Testing;

/// <summary>What <see cref="StorageFaultProxy"/> does to the requests it sees: shares between 0 and 1, drawn per request.</summary>
public sealed record StorageFaults
{
    public static readonly StorageFaults None = new();

    /// <summary>Whole responses 503 <c>ServerBusy</c>, as Table Storage answers load.</summary>
    public double ServerBusy { get; init; }

    /// <summary>Whole responses 500 <c>OperationTimedOut</c>.</summary>
    public double OperationTimedOut { get; init; }

    /// <summary>Entity-group transactions answered 202 whose changeset response is 503 <c>ServerBusy</c>: nothing committed.</summary>
    public double ChangesetServerBusy { get; init; }

    /// <summary>Connections reset before any answer (nothing forwarded).</summary>
    public double Reset { get; init; }

    /// <summary>Added before forwarding each request.</summary>
    public TimeSpan Delay { get; init; }
}

/// <summary>
/// A proxy between the app and Azurite's table service that answers a chosen share of requests the way Azure Table
/// Storage does under load (503 ServerBusy, 500 OperationTimedOut, with Azure's error body and headers; a 202 batch
/// response whose changeset failed), delays requests, or resets connections. A faulted request is never forwarded, so
/// storage is unchanged by it. Point the app at <see cref="ConnectionString"/>.
/// </summary>
public sealed class StorageFaultProxy : LoopbackProxy
{
    private readonly string _target;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private long _requests;
    private long _injected;

    private StorageFaultProxy(string target, int seed)
    {
        _target = target;
        _random = new Random(seed);
    }

    /// <summary>The faults in force; set per test (or per phase of one).</summary>
    public StorageFaults Faults { get; set; } = StorageFaults.None;

    public long Requests => Interlocked.Read(ref _requests);

    public long Injected => Interlocked.Read(ref _injected);

    /// <summary>A Table Storage connection string through this proxy (the Azurite account).</summary>
    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
        + $"TableEndpoint={Url}/devstoreaccount1;";

    /// <param name="azuriteTablePort">Azurite's table port on 127.0.0.1.</param>
    /// <param name="seed">Seeds the draws, so that a run can be repeated.</param>
    public static async Task<StorageFaultProxy> StartAsync(int azuriteTablePort, int seed = 7)
    {
        var proxy = new StorageFaultProxy($"http://127.0.0.1:{azuriteTablePort.ToString(CultureInfo.InvariantCulture)}", seed);
        await proxy.StartAsync().ConfigureAwait(false);
        return proxy;
    }

    protected override async Task<string?> RouteAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var faults = Faults;
        var isBatch = context.Request.Path.Value?.EndsWith("/$batch", StringComparison.Ordinal) == true;
        double draw;
        lock (_gate)
        {
            draw = _random.NextDouble();
        }

        if (faults.Delay > TimeSpan.Zero)
        {
            await Task.Delay(faults.Delay, context.RequestAborted).ConfigureAwait(false);
        }

        var threshold = 0.0;
        if (draw < (threshold += faults.Reset))
        {
            Interlocked.Increment(ref _injected);
            context.Abort();
            return null;
        }

        if (draw < (threshold += faults.ServerBusy))
        {
            await ErrorAsync(context, 503, "ServerBusy", "The server is busy.").ConfigureAwait(false);
            return null;
        }

        if (draw < (threshold += faults.OperationTimedOut))
        {
            await ErrorAsync(context, 500, "OperationTimedOut", "Operation could not be completed within the specified time.").ConfigureAwait(false);
            return null;
        }

        if (isBatch && draw < threshold + faults.ChangesetServerBusy)
        {
            await ChangesetFailureAsync(context).ConfigureAwait(false);
            return null;
        }

        return _target;
    }

    private async Task ErrorAsync(HttpContext context, int status, string code, string message)
    {
        Interlocked.Increment(ref _injected);
        await DrainAsync(context).ConfigureAwait(false);
        var response = context.Response;
        response.StatusCode = status;
        AzureHeaders(response);
        response.Headers["x-ms-error-code"] = code;
        response.ContentType = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8";
        await response.WriteAsync(ErrorBody(code, message), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// 202 Accepted with a multipart batch response whose changeset holds one 503 ServerBusy for operation 0, as
    /// Table Storage answers a transaction it could not run: the transaction failed and nothing was committed.
    /// </summary>
    private async Task ChangesetFailureAsync(HttpContext context)
    {
        Interlocked.Increment(ref _injected);
        await DrainAsync(context).ConfigureAwait(false);
        var batch = "batchresponse_" + Guid.NewGuid().ToString("D");
        var changeset = "changesetresponse_" + Guid.NewGuid().ToString("D");
        var body = new StringBuilder()
            .Append("--").Append(batch).Append("\r\n")
            .Append("Content-Type: multipart/mixed; boundary=").Append(changeset).Append("\r\n\r\n")
            .Append("--").Append(changeset).Append("\r\n")
            .Append("Content-Type: application/http\r\n")
            .Append("Content-Transfer-Encoding: binary\r\n\r\n")
            .Append("HTTP/1.1 503 Server Busy\r\n")
            .Append("X-Content-Type-Options: nosniff\r\n")
            .Append("Cache-Control: no-cache\r\n")
            .Append("DataServiceVersion: 3.0;\r\n")
            .Append("Content-Type: application/json;odata=minimalmetadata;streaming=true;charset=utf-8\r\n\r\n")
            .Append(ErrorBody("ServerBusy", "0:The server is busy.")).Append("\r\n")
            .Append("--").Append(changeset).Append("--\r\n")
            .Append("--").Append(batch).Append("--\r\n")
            .ToString();
        var response = context.Response;
        response.StatusCode = 202;
        AzureHeaders(response);
        response.ContentType = $"multipart/mixed; boundary={batch}";
        await response.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private static string ErrorBody(string code, string message)
    {
        var value = $"{message}\\nRequestId:{Guid.NewGuid():D}\\nTime:{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffffffZ}";
        return "{\"odata.error\":{\"code\":\"" + code + "\",\"message\":{\"lang\":\"en-US\",\"value\":\"" + value + "\"}}}";
    }

    private static void AzureHeaders(HttpResponse response)
    {
        response.Headers["x-ms-request-id"] = Guid.NewGuid().ToString("D");
        response.Headers["x-ms-version"] = "2019-02-02";
        response.Headers.CacheControl = "no-cache";
    }

    private static async Task DrainAsync(HttpContext context)
    {
        var buffer = new byte[16 * 1024];
        while (await context.Request.Body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false) > 0)
        {
        }
    }
}
