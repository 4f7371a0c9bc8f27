using Confer.Server.Cli;
using Confer.Server.Hosting;

InlineIo.EnableByDefault(); // before the first socket: the runtime reads it once
return await ConferCli.RunAsync(args);
