using System.CommandLine;
using Guidelink.Core.Features.Ledger;

namespace Guidelink.Cli.Commands;

/// <summary>`guidelink verify-statement NEW [--since OLD]`: offline, with nothing but the files — no database, no server
/// to trust. Recomputes both chains from seq 1 and checks that the old head and every entry up to it are unchanged in
/// the new statement (docs/decisions/0007).</summary>
internal static class VerifyStatementCommands
{
    public static Command Create(CliContext cli)
    {
        var newer = new Argument<FileInfo>("NEW") { Description = "The newer statement (JSON or XLSX, as downloaded)." };
        var since = new Option<FileInfo?>("--since") { Description = "An older statement of the same earner that you kept (JSON or XLSX)." };
        var verify = new Command("verify-statement", "Check offline that a statement's hash chain holds and that the history an older statement pinned is unchanged in it.")
        {
            newer, since,
        };
        verify.SetAction(async (parse, ct) =>
        {
            var newFile = parse.GetValue(newer)!;
            var oldFile = parse.GetValue(since);
            ChainFile newChain, oldChain;
            try
            {
                newChain = StatementFiles.ReadChain(await File.ReadAllBytesAsync(newFile.FullName, ct));
                oldChain = oldFile is null ? newChain : StatementFiles.ReadChain(await File.ReadAllBytesAsync(oldFile.FullName, ct));
            }
            catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or IOException or InvalidDataException)
            {
                await cli.Error.WriteLineAsync($"error: cannot read the statement: {ex.Message}");
                return GuidelinkCli.Failed;
            }
            var report = oldFile is null ? StatementChain.Check(newChain, "NEW") : StatementChain.Verify(newChain, oldChain);
            if (report.Ok)
            {
                await cli.Output.WriteLineAsync(report.Message);
                await cli.Output.WriteLineAsync(report.MessageZh);
                return GuidelinkCli.Ok;
            }
            await cli.Error.WriteLineAsync($"FAILED: {report.Message}");
            await cli.Error.WriteLineAsync($"未通过：{report.MessageZh}");
            return GuidelinkCli.Failed;
        });
        return verify;
    }
}
