"""The attack range: a legitimate workload model and attack scenarios driving the real
service layer under a simulated clock (`rempart simulate`). An entry point like the
command line: it drives services, and no service imports it."""
