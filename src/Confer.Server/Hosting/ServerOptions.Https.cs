namespace Confer.Server.Hosting;

/// <summary>HTTPS: where the web app, the SDK, <c>/rtc</c> and <c>/api</c> are served over TLS, and from which certificate.</summary>
public sealed partial class ServerOptions
{
    /// <summary>The HTTPS port outside --dev: the one browsers use without a port in the URL.</summary>
    public const int DefaultHttpsPort = 443;

    /// <summary>The HTTPS port with --dev: unprivileged, beside the HTTP port 7880.</summary>
    public const int DefaultDevHttpsPort = 7443;

    private int? _httpsPort;

    /// <summary>
    /// HTTPS port (<c>--https-port</c>). Default 443, with <see cref="Dev"/> 7443; when <see cref="HttpPort"/> is 0
    /// (tests) a free port too. HTTPS runs only when <see cref="HasCertificateSource"/>.
    /// </summary>
    public int HttpsPort
    {
        get => _httpsPort ?? (HttpPort == 0 ? 0 : Dev ? DefaultDevHttpsPort : DefaultHttpsPort);
        set => _httpsPort = value;
    }

    /// <summary>True when <see cref="HttpsPort"/> was set rather than taken from the default.</summary>
    public bool HttpsPortGiven => _httpsPort is not null;

    /// <summary>
    /// Set by a certificate source that has no files at start (automatic certificates over ACME): HTTPS and TURN over
    /// TLS listen, and serve whatever <see cref="Confer.Server.Tls.ServerCertificates"/> holds once it is installed.
    /// </summary>
    public bool ObtainsCertificate
    {
        get => _obtainsCertificate || AcmeDomains.Count > 0;
        set => _obtainsCertificate = value;
    }

    private bool _obtainsCertificate;

    /// <summary>
    /// Whether there is a certificate to serve over HTTPS and TURN over TLS: PEM files (<c>--tls-cert</c>/<c>--tls-key</c>),
    /// the self-signed one of --dev, or one obtained at run time (<see cref="ObtainsCertificate"/>).
    /// </summary>
    public bool HasCertificateSource => TlsCert is not null || Dev || ObtainsCertificate;

    private bool? _httpRedirect;

    /// <summary>
    /// Plain HTTP answers with a redirect to HTTPS (<c>--http-redirect</c>), except <c>/healthz</c>, <c>/readyz</c>,
    /// <c>/metrics</c> and ACME's <c>/.well-known/acme-challenge/</c>. Default: on with a real certificate (PEM files or
    /// obtained), off with --dev's self-signed one, whose browser warning would stand between a developer and
    /// <c>http://localhost</c> (already a secure context).
    /// </summary>
    public bool HttpRedirect
    {
        get => _httpRedirect ?? (TlsCert is not null || ObtainsCertificate);
        set => _httpRedirect = value;
    }

    /// <summary>How long the PEM files must stay unchanged before they are reloaded (a writer replaces two files).</summary>
    public TimeSpan TlsReloadDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// True when TURN over TLS has no port of its own: <c>--turn-tls-port</c> equals <c>--https-port</c>, and the HTTPS
    /// listener, which serves TURN anyway (Tls/SharedPort.cs), is the only one.
    /// </summary>
    public bool TurnTlsOnHttpsPort => HasCertificateSource && HttpsPort != 0 && HttpsPort == TurnTlsPort;

    /// <summary>Checks the HTTPS settings; a sentence that says what to change, or null.</summary>
    internal string? ValidateHttps()
    {
        if (HttpsPort is < 0 or > 65535) return $"--https-port {HttpsPort} is not a port number (0-65535).";
        if (HttpsPortGiven && HttpsPort != 0 && !HasCertificateSource)
            return $"--https-port {HttpsPort} needs a certificate: give --tls-cert and --tls-key (or use --dev for a self-signed one).";
        if (HasCertificateSource && HttpsPort != 0 && HttpsPort == TurnPort)
            return $"--https-port {HttpsPort} is also the --turn-port (TURN listens on TCP there too): give them different ports.";
        if (HasCertificateSource && HttpsPort != 0 && HttpsPort == HttpPort)
            return $"--https-port {HttpsPort} is also the --http-port: give HTTPS and plain HTTP different ports.";
        return null;
    }
}
