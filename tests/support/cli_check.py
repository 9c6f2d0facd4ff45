"""Checking a ``relocate ...`` command line against the CLI's click tree, without running it."""

from __future__ import annotations

import click

from region.cli.main import cli


def check_cli(argv: list[str]) -> None:
    """Resolve ``relocate …`` through the click tree; every option must exist on the command."""
    ctx = click.Context(cli, info_name="relocate")
    command: click.Command = cli
    args = list(argv)
    while isinstance(command, click.Group) and args and not args[0].startswith("-"):
        sub = command.get_command(ctx, args.pop(0))
        assert sub is not None, f"relocate: no subcommand in {argv}"
        command = sub
    assert not isinstance(command, click.Group), f"relocate {argv}: incomplete command"
    options = {opt: param for param in command.params for opt in param.opts}
    positional = [p for p in command.params if isinstance(p, click.Argument)]
    given_positional = 0
    while args:
        arg = args.pop(0)
        if not arg.startswith("-"):
            given_positional += 1
            continue
        name = arg.split("=", 1)[0]
        assert name in options, f"relocate {argv}: no option {name}"
        param = options[name]
        if isinstance(param, click.Option) and not param.is_flag and "=" not in arg:
            assert args, f"relocate {argv}: {name} needs a value"
            args.pop(0)
    fixed = [p for p in positional if p.nargs != -1]
    if len(fixed) < len(positional):  # a variadic argument takes what is left
        assert given_positional >= len(fixed), f"relocate {argv}: too few arguments"
    else:
        assert given_positional == len(fixed), f"relocate {argv}: wrong number of arguments"
