using Driver.Sim.Cli;

return GpusimCli.Run(args);
