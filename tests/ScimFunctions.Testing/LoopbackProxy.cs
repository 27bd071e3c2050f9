using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace ScimFunctions.Testing;

/// <summary>
/// A reverse proxy on a free loopback port, built on YARP's forwarder: each request goes to the destination that
/// <c>route</c> picks, or is answered by it. The base of <see cref="RoundRobinFront"/> and <see cref="StorageFaultProxy"/>.
/// </summary>
public abstract class LoopbackProxy : IAsyncDisposable
{
    private WebApplication? _app;
    private HttpMessageInvoker? _client;

    public string Url { get; private set; } = string.Empty;

    protected async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddHttpForwarder();
        _app = builder.Build();
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        });
        var forwarder = _app.Services.GetRequiredService<IHttpForwarder>();
        var config = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(120) };
        _app.Run(async context =>
        {
            var destination = await RouteAsync(context).ConfigureAwait(false);
            if (destination is not null)
            {
                await forwarder.SendAsync(context, destination, _client, config, RawTargetTransformer.Instance).ConfigureAwait(false);
            }
        });
        await _app.StartAsync().ConfigureAwait(false);
        Url = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
    }

    /// <summary>The destination prefix (<c>http://127.0.0.1:port</c>) to forward to, or null when the request was answered here.</summary>
    protected abstract Task<string?> RouteAsync(HttpContext context);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        _client?.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// Forwards the request target exactly as the client sent it. Storage requests are signed over their path, and
/// re-encoding it (<c>%3A</c>, quotes) would make Azurite refuse them with 403.
/// </summary>
internal sealed class RawTargetTransformer : HttpTransformer
{
    public static readonly RawTargetTransformer Instance = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        var raw = httpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(raw) && raw.StartsWith('/'))
        {
            proxyRequest.RequestUri = new Uri(destinationPrefix.TrimEnd('/') + raw, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        }
    }
}

/// <summary>
/// The front of several instances of the app, as Flex Consumption's load balancer: request i goes to instance i mod N,
/// so consecutive pages of an import, or the two halves of a race, are served by different instances.
/// </summary>
public sealed class RoundRobinFront : LoopbackProxy
{
    private readonly IReadOnlyList<string> _instances;
    private readonly long[] _served;
    private long _next = -1;

    private RoundRobinFront(IReadOnlyList<string> instances)
    {
        _instances = instances;
        _served = new long[instances.Count];
    }

    /// <summary>How many requests each instance was sent.</summary>
    public IReadOnlyList<long> Served => _served;

    public static async Task<RoundRobinFront> StartAsync(IReadOnlyList<string> instances)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(instances.Count, 1);
        var front = new RoundRobinFront(instances);
        await front.StartAsync().ConfigureAwait(false);
        return front;
    }

    protected override Task<string?> RouteAsync(HttpContext context)
    {
        var index = (int)(Interlocked.Increment(ref _next) % _instances.Count);
        Interlocked.Increment(ref _served[index]);
        return Task.FromResult<string?>(_instances[index]);
    }
}
