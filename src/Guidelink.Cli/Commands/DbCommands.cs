using System.CommandLine;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Cli.Commands;

internal static class DbCommands
{
    public static Command Create(CliContext cli)
    {
        var migrate = new Command("migrate", "Apply the configured provider's pending migrations.");
        migrate.SetAction((parse, ct) => cli.InScopeAsync(parse, async services =>
        {
            var db = services.GetRequiredService<GuidelinkDb>();
            var provider = services.GetRequiredService<DatabaseOptions>().Provider;
            var connection = db.Database.GetDbConnection();
            // Never the connection string itself: it may carry a password.
            var target = string.IsNullOrEmpty(connection.Database) || provider == DatabaseProvider.Sqlite
                ? connection.DataSource
                : $"{connection.Database} on {connection.DataSource}";
            await cli.Output.WriteLineAsync($"{provider} database {target}");

            var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
            await DatabaseSetup.MigrateAsync(db, ct);
            if (pending.Count == 0)
            {
                await cli.Output.WriteLineAsync("Up to date: no migrations to apply.");
                return GuidelinkCli.Ok;
            }
            await cli.Output.WriteLineAsync($"Applied {pending.Count} migration(s):");
            foreach (var name in pending) await cli.Output.WriteLineAsync($"  {name}");
            return GuidelinkCli.Ok;
        }));
        return new Command("db", "Database maintenance.") { migrate };
    }
}
