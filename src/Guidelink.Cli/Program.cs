using Guidelink.Cli;

return await GuidelinkCli.RunAsync(args, Console.Out, Console.Error);
