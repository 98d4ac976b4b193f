using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Guidelink.Migrations.Postgres;

/// <summary>Lets `dotnet ef migrations add` build the model for PostgreSQL; no server is contacted.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<GuidelinkDb>
{
    public GuidelinkDb CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<GuidelinkDb>();
        DatabaseSetup.Configure(options, new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = "Host=localhost;Database=guidelink_design" });
        return new GuidelinkDb(options.Options, new TenantContext());
    }
}
