using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Jobs;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Guidelink.Core;

/// <summary>Registers Core for any host (web server, CLI, tests) from the same configuration keys.</summary>
public static class GuidelinkCore
{
    public static DatabaseOptions ReadDatabaseOptions(IConfiguration configuration) =>
        configuration.GetSection("Guidelink:Database").Get<DatabaseOptions>() ?? new DatabaseOptions();

    public static IServiceCollection AddGuidelinkCore(this IServiceCollection services, IConfiguration configuration)
    {
        var database = ReadDatabaseOptions(configuration);
        services.AddSingleton(database);
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<TenantContext>();
        services.AddScoped<ActorContext>();
        services.AddScoped<TenantWriteGuard>();
        services.AddScoped<AuditTrail>();
        // Seconds an actor is reused before it is rebuilt from the database; changes made through this instance drop it at
        // once, other instances' changes are seen within this time (ADR 0003). 0 rebuilds it on every request.
        var actorSeconds = configuration.GetValue("Guidelink:Access:ActorCacheSeconds", 5.0);
        services.AddSingleton(sp => new ActorCache(sp.GetRequiredService<TimeProvider>(), TimeSpan.FromSeconds(actorSeconds)));
        services.AddScoped<ActorCacheInvalidation>();
        services.AddDbContext<GuidelinkDb>((sp, options) => DatabaseSetup.ConfigureWithInterceptors(sp, options, database));

        var keyFile = configuration["Guidelink:MasterKeyFile"] ?? (database.IsEmbedded ? "data/master.key" : null);
        services.AddSingleton(_ => MasterKey.Load(configuration["Guidelink:MasterKey"], keyFile, createFileIfMissing: database.IsEmbedded));
        services.AddDataProtection().SetApplicationName("Guidelink").PersistKeysToDbContext<GuidelinkDb>();
        services.AddOptions<KeyManagementOptions>().Configure<MasterKey>((o, key) => o.XmlEncryptor = new MasterKeyXmlEncryptor(key));

        services.AddSingleton<Features.Customers.PiiProtector>();
        services.AddSingleton<Features.Attribution.TouchWriter>(); // one group-commit writer of touches per process
        services.AddSingleton<Features.Orders.OrderWriter>(); // and one of single orders (POST /api/orders)
        services.Configure<JobRunnerOptions>(configuration.GetSection("Guidelink:Jobs"));
        services.AddSingleton<JobRunner>();
        services.AddSingleton<IScheduledJob, Features.Orders.SettleOrders.Job>();
        services.AddSingleton<IScheduledJob, Features.Payouts.SendPayouts.Job>();
        services.AddSingleton<IScheduledJob, Features.Payouts.ReconcilePayouts.Job>();
        services.AddSingleton<Features.Payouts.PayoutSecrets>();
        services.AddSingleton(new Features.Payouts.PayoutCrashFault(configuration)); // inert unless Guidelink:Faults:PayoutCrash is set
        services.AddScoped<Features.Payouts.PayoutProviders>();
        // Manual is always there; Guidelink.WeChat adds WeChatPayTransfer and IWeChatIdentity.
        services.AddScoped<Features.Payouts.IPayoutProvider, Features.Payouts.ManualPayoutProvider>();

        // Use cases follow one convention (a nested Handler class per use-case file); registering them by that
        // convention keeps adding a use case to one file.
        foreach (var handler in typeof(GuidelinkCore).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, Name: "Handler", DeclaringType: not null }))
            services.AddScoped(handler);
        return services;
    }
}
