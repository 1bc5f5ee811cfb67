"""``coursekit simulate`` and ``coursekit models``: quick looks from the shell."""
from __future__ import annotations


def _models():
    from . import neurons

    return {name: getattr(neurons, name) for name in neurons.__all__ if name != "Model"}


def _cmd_models(args) -> int:
    for name, cls in _models().items():
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        print(f"{name:<16} {doc}")
        if args.parameters:
            print("    " + cls.describe_parameters().replace("\n", "\n    "))
    return 0


def _cmd_simulate(args) -> int:
    import coursekit as ck

    models = _models()
    if args.model not in models:
        raise ValueError(f"unknown model {args.model!r}; choose one of {', '.join(models)}")
    params = {}
    for item in args.param or []:
        if "=" not in item:
            raise ValueError(f"--param takes NAME=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        params[k.strip()] = float(v)
    cls = models[args.model]
    model = cls.preset(args.preset, **params) if args.preset else cls(**params)
    res = ck.simulate(model, args.duration, dt=args.dt, I=args.I, method=args.method)
    print(res)
    if res.n_spikes:
        print(f"firing rate {res.firing_rate():.3g} Hz; first spike at {res.spike_times[0]:.4g} ms")
    for name in res.state_names:
        v = res[name]
        print(f"{name:>6}: min {v.min():.5g}  max {v.max():.5g}  final {v[-1]:.5g}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("models", help="list the neuron models (and their parameters)")
    p.add_argument("--parameters", action="store_true", help="show each model's parameters")
    p.set_defaults(func=_cmd_models)

    p = sub.add_parser("simulate", help="simulate a neuron model and summarise the result")
    p.add_argument("model", help="model class name, e.g. HodgkinHuxley, LIF, AdEx")
    p.add_argument("--duration", type=float, default=100.0, help="ms (default 100)")
    p.add_argument("--dt", type=float, default=None, help="ms (default: the model's)")
    p.add_argument("--I", type=float, default=0.0, help="constant input current (model units)")
    p.add_argument("--method", default=None, help="euler, heun, rk4, exponential_euler, rk45, euler_maruyama")
    p.add_argument("--preset", default=None, help="a named firing pattern (AdEx, Izhikevich, GIF)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="set a parameter (repeatable)")
    p.set_defaults(func=_cmd_simulate)
