using Confer.Server.Cli;

return await ConferCli.RunAsync(args);
