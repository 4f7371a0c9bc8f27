using System.Globalization;

namespace Confer.Bench.Stun;

/// <summary>Command-line settings, each bounded so a run always ends by itself.</summary>
internal sealed record BenchOptions(TimeSpan Duration, TimeSpan Warmup, int Sockets, int Window, int Rounds, bool RunConfer, bool RunCoturn)
{
    private const string Usage = """
        usage: Confer.Bench.Stun [--duration S (10, 1-60)] [--warmup S (3, 0-30)] [--sockets N (8, 1-64)]
                                 [--window N (32, 1-4096)] [--rounds N (2, 1-5)] [--servers confer,coturn]
        """;

    public static BenchOptions? Parse(string[] args)
    {
        var options = new BenchOptions(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3), 8, 32, 2, true, true);
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help") { Console.WriteLine(Usage); return null; }
            if (i + 1 >= args.Length) { Console.Error.WriteLine($"{name} needs a value.\n{Usage}"); return null; }
            string value = args[++i];
            if (name == "--servers")
            {
                var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                options = options with { RunConfer = names.Contains("confer"), RunCoturn = names.Contains("coturn") };
                if (!options.RunConfer && !options.RunCoturn) { Console.Error.WriteLine($"--servers takes confer and/or coturn.\n{Usage}"); return null; }
                continue;
            }
            if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int number))
            {
                Console.Error.WriteLine($"{name} takes a whole number, not '{value}'.\n{Usage}");
                return null;
            }
            (options, string? problem) = name switch
            {
                "--duration" when number is >= 1 and <= 60 => (options with { Duration = TimeSpan.FromSeconds(number) }, null),
                "--warmup" when number is >= 0 and <= 30 => (options with { Warmup = TimeSpan.FromSeconds(number) }, null),
                "--sockets" when number is >= 1 and <= 64 => (options with { Sockets = number }, null),
                "--window" when number is >= 1 and <= 4096 => (options with { Window = number }, null),
                "--rounds" when number is >= 1 and <= 5 => (options with { Rounds = number }, null),
                _ => (options, $"{name} {value} is unknown or out of range."),
            };
            if (problem is not null) { Console.Error.WriteLine($"{problem}\n{Usage}"); return null; }
        }
        return options;
    }
}
