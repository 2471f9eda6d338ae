"""Slow, obviously-correct NumPy references for the compiled loops of fastplastic.learning.

Each function mirrors one Numba kernel with plain per-sample Python loops and textbook formulas;
tests/learning checks the kernels against them on small random inputs.
"""
import numpy as np

ACT = {
    "linear": (lambda x: x, lambda x: np.ones_like(x)),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)),
                lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    "relu": (lambda x: np.where(x > 0, x, 0.0), lambda x: np.where(x > 0, 1.0, 0.0)),
    "hard_sigmoid": (lambda x: np.clip(x, 0, 1),
                     lambda x: np.where((x >= 0) & (x <= 1), 1.0, 0.0)),
}
NAMES = list(ACT)


def adam_ref(p, g, m, v, t, lr, beta1, beta2, eps):
    """Adam (Kingma & Ba 2015, Algorithm 1), one step on copies; returns (p, m, v)."""
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def pc_relax_ref(xs, Ws, bs, names, n_steps, rate, fixed, clamp, target, beta):
    """Predictive-coding inference, one sample at a time; returns (xs, eps) lists."""
    L = len(Ws)
    xs = [np.array(x, dtype=np.float64) for x in xs]
    out_x, out_e = [np.zeros_like(x) for x in xs], [np.zeros_like(x) for x in xs]
    for b in range(xs[0].shape[0]):
        x = [v[b].copy() for v in xs]
        z_ff = [None] + [x[l - 1] @ Ws[l - 1] + bs[l - 1] for l in range(1, L + 1)]
        for step in range(n_steps + 1):
            z = z_ff if fixed else [None] + [x[l - 1] @ Ws[l - 1] + bs[l - 1] for l in range(1, L + 1)]
            eps = [None] + [x[l] - ACT[names[l]][0](z[l]) for l in range(1, L + 1)]
            if step == n_steps:
                break
            new = [v.copy() for v in x]
            for l in range(1, L):
                new[l] = x[l] + rate * (-eps[l] + Ws[l] @ (eps[l + 1] * ACT[names[l + 1]][1](z[l + 1])))
            if not clamp:
                new[L] = x[L] + rate * (-eps[L] + beta * (target[b] - x[L]))
            x = new
        for l in range(L + 1):
            out_x[l][b] = x[l]
            if l:
                out_e[l][b] = eps[l]
    return out_x, out_e


def relax_layered_ref(x, us, Ws, bs, name, target, beta, clamp, dt, n_steps, feedback=None):
    """Layered Hopfield relaxation by explicit gradient of the energy (or, with ``feedback``
    matrices F_l of shape (n_{l+1}, n_l), the same vector field with F_l in place of W_l^T);
    returns (us, dWs, dbs)."""
    f, df = ACT[name]
    L = len(Ws)
    top_down = [None] + [Ws[l].T if feedback is None else feedback[l] for l in range(1, L)]
    us = [np.array(u, dtype=np.float64) for u in us]
    dWs = [np.zeros_like(w) for w in Ws]
    dbs = [np.zeros_like(b) for b in bs]
    for _ in range(n_steps):
        r = [x] + [f(u) for u in us[1:]]
        new = [x]
        for l in range(1, L + 1):
            drive = r[l - 1] @ Ws[l - 1] + bs[l - 1]
            if l < L:
                drive = drive + r[l + 1] @ top_down[l]
            du = df(us[l]) * drive - us[l]
            if l == L:
                du = du + beta * (target - us[l])
            step = us[l] + dt * du
            if name == "hard_sigmoid":      # projected dynamics on the box [0, 1]
                step = np.clip(step, 0.0, 1.0)
            new.append(us[l] if (clamp and l == L) else step)
        us = new
        r_new = [x] + [f(u) for u in us[1:]]
        for l in range(L):   # pre * d(post) + d(pre) * post, per synapse
            for i in range(Ws[l].shape[0]):
                for j in range(Ws[l].shape[1]):
                    dWs[l][i, j] += np.sum(r[l][:, i] * (r_new[l + 1][:, j] - r[l + 1][:, j]))
                    if l > 0:
                        dWs[l][i, j] += np.sum((r_new[l][:, i] - r[l][:, i]) * r[l + 1][:, j])
            dbs[l] += (r_new[l + 1] - r[l + 1]).sum(axis=0)
    return us, dWs, dbs
