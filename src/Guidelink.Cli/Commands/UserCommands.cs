using System.CommandLine;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Organization;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Cli.Commands;

internal static class UserCommands
{
    public static Command Create(CliContext cli)
    {
        var tenant = new Option<string>("--tenant") { Description = "Slug of the brand.", Required = true };
        var login = new Option<string>("--login") { Description = "Login name, unique across the platform.", Required = true };
        var password = new Option<string>("--password") { Description = $"At least {Passwords.MinimumLength} characters.", Required = true };
        var employeeNo = new Option<string>("--employee-no") { Description = "Employee number; an existing staff member gets the login, a new one is hired.", Required = true };
        var name = new Option<string?>("--name") { Description = "Name of a new staff member." };
        var role = new Option<string?>("--role") { Description = $"Role of a new staff member: {string.Join(", ", Enum.GetNames<StaffRole>())}." };
        var store = new Option<string?>("--store") { Description = "Store code, for a StoreManager, Guide or Installer." };
        var region = new Option<string?>("--region") { Description = "Region code, for a RegionalManager." };
        role.CompletionSources.Add(Enum.GetNames<StaffRole>());

        var create = new Command("create", "Give a staff member a login, hiring them first if the employee number is new.")
        {
            tenant, login, password, employeeNo, name, role, store, region,
        };
        create.Validators.Add(result =>
        {
            if (result.GetResult(store) is not null && result.GetResult(region) is not null)
                result.AddError("Give either --store or --region, not both.");
        });
        create.SetAction((parse, ct) => cli.InScopeAsync(parse, async services =>
        {
            if (await cli.EnterBrandAsync(services, parse.GetValue(tenant)!, ct) is not { } brand) return GuidelinkCli.Failed;
            var outcome = await services.GetRequiredService<CreateUser.Handler>().HandleAsync(new CreateUser.Request(
                parse.GetValue(login), parse.GetValue(password), parse.GetValue(employeeNo), parse.GetValue(name),
                parse.GetValue(role), parse.GetValue(store), parse.GetValue(region)), ct);
            if (!outcome.IsOk) return await cli.FailAsync(outcome);
            var user = outcome.Value!;
            await cli.Output.WriteLineAsync($"Login '{user.Login}' created in brand '{brand.Slug}' for staff {user.StaffId} ({user.Role}).");
            return GuidelinkCli.Ok;
        }));
        return new Command("user", "Staff logins.") { create };
    }
}
