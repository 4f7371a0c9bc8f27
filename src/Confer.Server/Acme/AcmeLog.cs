namespace Confer.Server.Acme;

/// <summary>The ACME client's log lines. Never a key, a token or a key authorization.</summary>
internal static partial class AcmeLog
{
    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "ACME: proving control of {Domain} by {Challenge}")]
    public static partial void Validating(ILogger logger, string domain, string challenge);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "ACME: serving the stored certificate for {Domains}, valid until {NotAfter:u}")]
    public static partial void Loaded(ILogger logger, string domains, DateTime notAfter);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Information, Message = "ACME: asking {Directory} for a certificate for {Domains}")]
    public static partial void Ordering(ILogger logger, string directory, string domains);

    [LoggerMessage(EventId = 1603, Level = LogLevel.Information, Message = "ACME: obtained and serving a certificate for {Domains}, valid until {NotAfter:u}; renewing from {RenewAt:u}")]
    public static partial void Obtained(ILogger logger, string domains, DateTime notAfter, DateTimeOffset renewAt);

    [LoggerMessage(EventId = 1604, Level = LogLevel.Warning, Message = "ACME: no certificate this time: {Reason} Trying again in {Wait}.")]
    public static partial void Failed(ILogger logger, string reason, string wait);

    /// <summary>"45 s", "2 minutes", "1.5 hours": a wait as an operator says it.</summary>
    public static string Duration(TimeSpan wait) =>
        wait < TimeSpan.FromMinutes(1) ? $"{wait.TotalSeconds:0.#} s"
        : wait < TimeSpan.FromHours(1) ? $"{wait.TotalMinutes:0.#} minutes"
        : $"{wait.TotalHours:0.#} hours";

    [LoggerMessage(EventId = 1605, Level = LogLevel.Warning, Message = "ACME: the stored certificate in {Path} is unusable ({Reason}); obtaining a new one")]
    public static partial void StoredUnusable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 1606, Level = LogLevel.Information, Message = "ACME: the stored certificate for {Domains} expires {NotAfter:u}; renewing it now")]
    public static partial void Renewing(ILogger logger, string domains, DateTime notAfter);
}
