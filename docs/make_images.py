"""Render the plots shown in the README into docs/*.png.

Run from the repository root:  python docs/make_images.py
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import lazyray  # noqa: E402
from lazyray import draw  # noqa: E402
from lazyray.examples import gram_schmidt, mps_overlap  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def save(fig, name, dpi=110):
    path = os.path.join(HERE, name)
    fig.savefig(path, dpi=dpi, facecolor="white", bbox_inches="tight", pad_inches=0.05)
    plt.close(fig)
    print(f"wrote {path} ({os.path.getsize(path) / 1024:.0f} KiB)")


def mps(n=6, bond=8, phys=2):
    def site(i):
        left = 1 if i == 0 else bond
        right = 1 if i == n - 1 else bond
        return lazyray.Variable((left, phys, right))

    return mps_overlap([site(i) for i in range(n)], [site(i) for i in range(n)])


def mlp(batch=256, widths=(784, 1024, 2048, 1024, 512, 256, 10)):
    """A multilayer perceptron forward pass with a softmax cross-entropy-like end."""
    x = lazyray.Variable((batch, widths[0]), dtype="float32")
    h = x
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        w = lazyray.Variable((a, b), dtype="float32")
        bias = lazyray.Variable((b,), dtype="float32")
        h = h @ w + bias
        if i < len(widths) - 2:
            h = lazyray.maximum(h, 0.0)
    e = lazyray.exp(h - h.max(axis=1, keepdims=True))
    return lazyray.log(e / e.sum(axis=1, keepdims=True)).mean()


def main():
    small = gram_schmidt(lazyray.Variable((4, 4)))
    save(draw.plot_circuit(small, figsize=(9, 3.2))[0], "circuit.png")
    save(draw.plot_graph(mps(), figsize=(9, 3.2))[0], "graph.png")

    net = mlp()
    fig, axs = plt.subplots(2, 1, figsize=(8, 3.8), sharex=True, layout="constrained")
    draw.plot_history_size_footprint(net, bytes=True, ax=axs[0], style=None)
    draw.plot_history_functions(net, kind="lines", bytes=True, ax=axs[1], style=None)
    axs[0].set_xlabel("")
    axs[0].set_title("MLP forward pass traced on Variables: live memory and node sizes", fontsize=9)
    save(fig, "footprint.png")

    save(draw.plot_history_stats(net, fn="bytesout", style=None)[0], "stats.png")
    print(lazyray.summary(net))


if __name__ == "__main__":
    main()
