using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Guidelink.Migrations.Sqlite;

/// <summary>Lets `dotnet ef migrations add` build the model for SQLite without starting the server.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<GuidelinkDb>
{
    public GuidelinkDb CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<GuidelinkDb>();
        DatabaseSetup.Configure(options, new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = "Data Source=design-time.db" });
        return new GuidelinkDb(options.Options, new TenantContext());
    }
}
