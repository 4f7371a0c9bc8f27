using Confer.Server.Cli;

// Socket continuations run on the socket engine's epoll thread instead of hopping to the thread pool (the runtime
// reads this once, when the first socket is created, so it must be set before anything opens one). What continues
// inline here never blocks: Kestrel still schedules its own pipe continuations, and relay sends never wait.
// An explicit DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS (e.g. 0) in the environment wins.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

return await ConferCli.RunAsync(args);
