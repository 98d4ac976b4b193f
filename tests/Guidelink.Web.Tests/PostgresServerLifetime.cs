using Guidelink.Testing;

// Stop the throwaway PostgreSQL cluster when this assembly's tests are done, not at process exit (see PostgresServer.StopAsync).
[assembly: AssemblyFixture(typeof(PostgresServerLifetime))]
