using Guidelink.Web;

var app = GuidelinkWeb.Build(args);
await GuidelinkWeb.InitializeAsync(app, CancellationToken.None);
await app.RunAsync();
