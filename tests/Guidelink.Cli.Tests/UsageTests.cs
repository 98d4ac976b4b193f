namespace Guidelink.Cli.Tests;

/// <summary>Usage errors are caught before any database is opened, so these need none.</summary>
public sealed class UsageTests
{
    [Theory]
    [InlineData("")]
    [InlineData("tenant create --slug acme")]
    [InlineData("tenant remove --slug acme")]
    [InlineData("db migrate --provider mysql")]
    [InlineData("user create --tenant t --login l --password p --employee-no e --store S --region R")]
    public async Task UsageError_ExitsWithTwo_AndSaysWhatIsWrong(string commandLine)
    {
        var run = await CliRunner.RunAsync(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        run.ExitCode.ShouldBe(2);
        run.Error.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task Help_ListsEveryCommand_AndExitsWithZero()
    {
        var run = await CliRunner.RunAsync("--help");

        run.ExitCode.ShouldBe(0);
        foreach (var command in new[] { "db", "seed", "tenant", "user", "apikey", "settle", "verify-statement" })
            run.Output.ShouldContain($"  {command} ");
    }
}
