namespace Guidelink.Testing;

/// <summary>An xUnit assembly fixture (<c>[assembly: AssemblyFixture(typeof(PostgresServerLifetime))]</c> in each test
/// project that uses PostgreSQL): disposed when the assembly's tests have finished, inside the run, it stops the
/// throwaway PostgreSQL cluster there rather than in ProcessExit (see <see cref="PostgresServer.StopAsync"/>).</summary>
public sealed class PostgresServerLifetime : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await PostgresServer.StopAsync();
}
