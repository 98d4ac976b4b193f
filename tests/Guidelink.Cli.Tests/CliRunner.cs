using Guidelink.Testing;

namespace Guidelink.Cli.Tests;

public sealed record CliRun(int ExitCode, string Output, string Error);

/// <summary>Runs the `guidelink` command in-process, capturing what it prints.</summary>
internal static class CliRunner
{
    /// <summary>Runs against <paramref name="database"/>, configured the way an operator would on the command line.</summary>
    public static Task<CliRun> RunAsync(TestDatabase database, params string[] args) => RunAsync([.. args, .. database.Args]);

    public static async Task<CliRun> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await GuidelinkCli.RunAsync(args, output, error);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }
}
