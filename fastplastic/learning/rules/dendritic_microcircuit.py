"""Dendritic cortical microcircuit (Sacramento, Ponte Costa, Bengio & Senn 2018, NeurIPS 31).

Rate version. Equation numbers are those of the NeurIPS 2018 proceedings paper,
https://proceedings.neurips.cc/paper_files/paper/2018/hash/1dc3a89d0d440ba31729b0ba74b93a33-Abstract.html
checked against its text (main text only; the supplementary material was not available).
Layer ``l = 1..L`` of the MLP is a population of pyramidal neurons with basal, apical and
somatic compartments, and each hidden layer ``l < L`` has a population of interneurons, one per
neuron of layer ``l + 1`` (the paper's one-to-one nudging). With ``r = f(u)`` the rates
(``f`` = the MLP's nonlinearity of that layer):

    pyramidal soma  du_l/dt = -g_lk u_l + g_B (v_B,l - u_l) + g_A (v_A,l - u_l)   (Eq. 1; l < L)
    output soma     du_L/dt = -g_lk u_L + g_B (v_B,L - u_L) + g_som (y - u_L)    (Sec. 2.1; target)
    interneuron     du^I/dt = -g_lk u^I + g_D (v^I - u^I) + g_som (u_{l+1} - u^I)        (Eq. 2)
    basal           v_B,l   = W^PP_l r_{l-1}                                             (Eq. 3)
    apical          v_A,l   = B_l r_{l+1} + W^PI_l r^I_l                                 (Eq. 4)
    interneuron dendrite  v^I_l = W^IP_l r_l                                             (Eq. 5)

Nudging conductances (Sec. 2.1): the paper's teacher is an excitatory/inhibitory conductance pair
``g_exc = g_som (u_trgt - E_inh) / (E_exc - E_inh)``, ``g_inh = -g_som (u_trgt - E_exc) /
(E_exc - E_inh)``, whose current ``g_exc (E_exc - u) + g_inh (E_inh - u)`` equals
``g_som (u_trgt - u)``: here it is one channel of conductance g_som and reversal u_trgt
(identical for E_inh <= u_trgt <= E_exc, and defined for any target); the interneurons are
nudged the same way towards ``u_{l+1}``.

Plasticity (Eqs. 7-9, instances of the dendritic prediction rule Eq. 6), with the dendritic
predictions of the somatic potential ``v^_B = g_B / (g_lk + g_B + g_A) v_B`` (hidden),
``g_B / (g_lk + g_B) v_B`` (output, no apical compartment), ``v^I^ = g_D / (g_lk + g_D) v^I``:

    dW^PP_l = eta (f(u_l) - f(v^_B,l)) r_{l-1}^T          (Eq. 7)
    dW^IP_l = eta_ip (f(u^I_l) - f(v^I^_l)) r_l^T         (Eq. 8)
    dW^PI_l = eta_pi (0 - v_A,l) (r^I_l)^T                (Eq. 9, v_rest = 0)

Without a target the interneurons learn to predict the next layer and to cancel the top-down
input (the *self-predicting state*, apical potentials -> 0); a target at the output then
leaves an apical mismatch that carries a backprop-like error to each hidden layer (Sec. 3.1).

Implementation notes (simplifications, stated): (i) the MLP's ``W_l, b_l`` are the basal weights
scaled by the attenuation, ``W^PP = W / lambda_l``, so that the feedforward pass of the MLP is
exactly the network's free steady state in the self-predicting state (and trainer angles
compare like with like); (ii) instead of continuous-time plasticity, each batch is settled to
its steady state (``settle_steps`` Jacobi sweeps of the exact compartment kernel, each a jump
to the conductance-weighted average) and the plasticity is applied once at the settled state;
(iii) the forward update is returned as a gradient-like step divided by the known attenuation
factors (``c_out = g_som / (g_lk + g_B + g_som)``, and per hidden layer
``c_A (1 - c_I)`` with ``c_A = g_A / (g_lk + g_B + g_A)``, ``c_I = g_som / (g_lk + g_D + g_som)``),
which rescales the learning rate only; the direction is the paper's. Top-down weights ``B_l``
are fixed random (``feedback="random"``) or the transposed forward weights
(``feedback="transpose"``).

Departures from the paper (paper / here / why):

- dynamics: continuous time with noise sigma xi (Eqs. 1-2) and plasticity low-pass filtered with
  tau_w (Sec. 3.3); for MNIST a two-step approximate relaxation (Sec. 3.4) / the noise-free
  fixed point by Jacobi sweeps, one update per batch / deterministic, batched; the paper's test
  errors are also noise-free.
- top-down weights: fixed random, or learned by Eq. 10 (target-propagation-like, needs a split
  apical compartment) / fixed random or W^T, Eq. 10 not implemented / scope.
- target: MNIST targets are rates r_trgt in {0.1, 0.8}, i.e. u_trgt = f^-1(r_trgt) / ``y`` is
  the target potential u_trgt itself / the caller chooses the encoding.
- biases: a learnable threshold (an input fixed at 1 with a plastic weight, Sec. 3.4) / the
  MLP's biases b_l and interneuron biases b^IP, learned by the same rules / the same thing.
- ``eta_pi = 0`` by default, as in the paper's MNIST runs (W^PI fixed after a self-predicting
  initialisation); the paper's regression task learns it.
"""
import numpy as np

from ..._kernels import compartments as _k
from ..activations import activate
from .base import Rule, Step

__all__ = ["DendriticMicrocircuit"]

_NOTHING = ()


def _positive(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name}={value!r}: must be a finite number > 0")
    return float(value)


class DendriticMicrocircuit(Rule):
    """Sacramento et al. (2018) dendritic microcircuit as a learning rule for an :class:`MLP`.

    Parameters
    ----------
    g_lk, g_b, g_a, g_d, g_som : float
        Leak, basal, apical, interneuron-dendrite and somatic-nudging conductances (per unit
        capacitance, 1/time unit), > 0. Defaults 0.1, 1.0, 0.8, 1.0, 0.8: said to be the
        paper's supplementary values (the main text gives none; not re-checked).
    eta_ip, eta_pi : float
        Learning rates of the pyramidal->interneuron and interneuron->pyramidal weights (per
        sample), >= 0. They are applied by the rule itself; the forward weights go through
        the trainer's optimizer.
    settle_steps : int
        Jacobi sweeps to the steady state per batch, >= 1.
    feedback : {"random", "transpose"}
        Top-down weights B_l: fixed random, or W_l^T of the current forward weights.
    init : {"self_predicting", "random"}
        Interneuron weights at :meth:`bind`: the self-predicting solution
        (``W^IP = W``, ``W^PI = -B``, which the paper's plasticity reaches from random weights,
        see :meth:`self_predict`), or random (Glorot-uniform).
    loss : {"mse"}
        The output is nudged towards the target potential ``y``.

    Attributes
    ----------
    w_ip, b_ip, w_pi, top_down : lists of arrays (index = hidden layer l - 1)
    """

    name = "microcircuit"
    allowed_losses = ("mse",)

    def __init__(self, g_lk=0.1, g_b=1.0, g_a=0.8, g_d=1.0, g_som=0.8, eta_ip=0.1,
                 eta_pi=0.0, settle_steps=8, feedback="random", init="self_predicting",
                 loss="mse"):
        super().__init__(loss)
        self.g_lk, self.g_b, self.g_a = _positive("g_lk", g_lk), _positive("g_b", g_b), \
            _positive("g_a", g_a)
        self.g_d, self.g_som = _positive("g_d", g_d), _positive("g_som", g_som)
        for name, val in (("eta_ip", eta_ip), ("eta_pi", eta_pi)):
            if isinstance(val, bool) or not np.isfinite(val) or val < 0:
                raise ValueError(f"{name}={val!r}: must be a finite number >= 0")
        self.eta_ip, self.eta_pi = float(eta_ip), float(eta_pi)
        if isinstance(settle_steps, bool) or not isinstance(settle_steps, (int, np.integer)) \
                or settle_steps < 1:
            raise ValueError(f"settle_steps={settle_steps!r}: must be an integer >= 1")
        self.settle_steps = int(settle_steps)
        if feedback not in ("random", "transpose"):
            raise ValueError(f"feedback={feedback!r}: allowed 'random', 'transpose'")
        self.feedback = feedback
        if init not in ("self_predicting", "random"):
            raise ValueError(f"init={init!r}: allowed 'self_predicting', 'random'")
        self.init = init
        self.lam_h = self.g_b / (self.g_lk + self.g_b + self.g_a)
        self.lam_o = self.g_b / (self.g_lk + self.g_b)
        self.lam_i = self.g_d / (self.g_lk + self.g_d)
        self.c_out = self.g_som / (self.g_lk + self.g_b + self.g_som)
        self.c_a = self.g_a / (self.g_lk + self.g_b + self.g_a)
        self.c_i = self.g_som / (self.g_lk + self.g_d + self.g_som)

    # ---- state -------------------------------------------------------------------------
    def bind(self, net, rng):
        """Top-down weights and interneuron weights (see ``init``)."""
        self.w_ip, self.b_ip, self.w_pi, self.top_down = [], [], [], []
        for l in range(1, net.n_layers):
            n_l, n_up = net.sizes[l], net.sizes[l + 1]
            bound = np.sqrt(6.0 / (n_l + n_up))
            self.w_ip.append(rng.uniform(-bound, bound, (n_l, n_up)))
            self.b_ip.append(np.zeros(n_up))
            self.w_pi.append(rng.uniform(-bound, bound, (n_up, n_l)))
            self.top_down.append(rng.uniform(-bound, bound, (n_up, n_l)))
            if self.init == "self_predicting":
                self.w_ip[-1] = np.array(net.weights[l], np.float64)
                self.b_ip[-1] = np.array(net.biases[l], np.float64)
                self.w_pi[-1] = -(self.top_down[-1] if self.feedback == "random"
                                  else self.w_ip[-1].T)
        self._bound = tuple(net.sizes)

    def _check_bound(self, net):
        if getattr(self, "_bound", None) != tuple(net.sizes):
            raise RuntimeError("DendriticMicrocircuit: call bind(net, rng) for this network "
                               "first (train() does)")

    def _b(self, net, l):
        return net.weights[l + 1].T if self.feedback == "transpose" else self.top_down[l]

    # ---- dynamics ----------------------------------------------------------------------
    def settle(self, net, x, y=None):
        """Settle a batch to its steady state; ``y`` (batch, n_out) nudges the output.

        Returns a dict of lists: ``u`` (somatic potentials, layers 1..L), ``vhat`` (dendritic
        predictions of u), ``v_a`` (apical potentials, hidden layers), ``u_i`` / ``vhat_i``
        (interneurons, hidden layers), ``r`` (rates, layers 0..L).
        """
        self._check_bound(net)
        x = np.ascontiguousarray(net.check_input(x), dtype=np.float64)
        L = net.n_layers
        W = [np.asarray(w, np.float64) for w in net.weights]
        b = [np.asarray(bb, np.float64) for bb in net.biases]
        if y is not None:
            y = np.ascontiguousarray(y, dtype=np.float64)
            if y.shape != (x.shape[0], net.sizes[-1]) or not np.all(np.isfinite(y)):
                raise ValueError(f"y must be finite with shape {(x.shape[0], net.sizes[-1])}, "
                                 f"got {y.shape}")
        # start from the feedforward sweep (apical = 0, interneurons = their prediction)
        r, u, vhat = [x], [None], [None]
        for l in range(1, L + 1):
            vh = r[-1] @ W[l - 1] + b[l - 1]
            vhat.append(vh)
            u.append(vh.copy())
            r.append(activate(net.layer_activation(l), vh))
        u_i = [None] * (L - 1)
        g_h = np.array([self.g_b, self.g_a])
        g_o = np.array([self.g_b])
        g_i = np.array([self.g_d])
        g_som = None
        for _ in range(self.settle_steps):
            vhat = [None] + [r[l - 1] @ W[l - 1] + b[l - 1] for l in range(1, L + 1)]
            vhat_i = [r[l] @ self.w_ip[l - 1] + self.b_ip[l - 1] for l in range(1, L)]
            r_i = [activate(net.layer_activation(l + 1), ui if ui is not None else vhat_i[l - 1])
                   for l, ui in enumerate(u_i, start=1)]
            v_a = [r[l + 1] @ self._b(net, l - 1) + r_i[l - 1] @ self.w_pi[l - 1]
                   for l in range(1, L)]
            new_u = [None]
            for l in range(1, L):
                ul = u[l].copy()
                _k.soma_step(ul.reshape(-1), -1.0, self.g_lk, 0.0, g_h,
                             ((vhat[l] / self.lam_h).reshape(-1), v_a[l - 1].reshape(-1)),
                             _NOTHING, _NOTHING, None)
                new_u.append(ul)
            ul = u[L].copy()
            if y is not None:
                g_som = np.full(ul.size, self.g_som) if g_som is None else g_som
                nudge_g, nudge_e = (g_som,), (y.reshape(-1),)
            else:
                nudge_g = nudge_e = _NOTHING
            _k.soma_step(ul.reshape(-1), -1.0, self.g_lk, 0.0, g_o,
                         ((vhat[L] / self.lam_o).reshape(-1),), nudge_g, nudge_e, None)
            new_u.append(ul)
            new_ui = []
            for l in range(1, L):
                ui = np.empty_like(vhat_i[l - 1])
                gs = np.full(ui.size, self.g_som)
                _k.soma_step(ui.reshape(-1), -1.0, self.g_lk, 0.0, g_i,
                             ((vhat_i[l - 1] / self.lam_i).reshape(-1),), (gs,),
                             (u[l + 1].reshape(-1),), None)
                new_ui.append(ui)
            u, u_i = new_u, new_ui
            r = [x] + [activate(net.layer_activation(l), u[l]) for l in range(1, L + 1)]
        return {"u": u, "vhat": vhat, "v_a": [None] + v_a, "u_i": [None] + u_i,
                "vhat_i": [None] + vhat_i, "r": r, "r_i": [None] + r_i}

    def apical(self, net, x):
        """Apical potentials (list over hidden layers 1..L-1) of the settled network without a
        target; ~0 in the self-predicting state."""
        return self.settle(net, x)["v_a"][1:]

    def learn_interneurons(self, net, s):
        """Apply the interneuron plasticity (Eqs. 8-9) for a settled state ``s``."""
        B = s["r"][0].shape[0]
        for l in range(1, net.n_layers):
            act = net.layer_activation(l + 1)
            err_i = activate(act, s["u_i"][l]) - activate(act, s["vhat_i"][l])
            self.w_ip[l - 1] += (self.eta_ip / B) * (s["r"][l].T @ err_i)
            self.b_ip[l - 1] += (self.eta_ip / B) * err_i.sum(axis=0)
            self.w_pi[l - 1] -= (self.eta_pi / B) * (s["r_i"][l].T @ s["v_a"][l])

    def self_predict(self, net, x):
        """One self-predicting step on batch ``x``: settle without a target and update only the
        interneuron weights. Returns the mean squared apical potential before the update."""
        s = self.settle(net, x)
        self.learn_interneurons(net, s)
        return float(np.mean([np.mean(v ** 2) for v in s["v_a"][1:]])) if net.n_layers > 1 \
            else 0.0

    # ---- trainer interface ---------------------------------------------------------------
    def forward_updates(self, net, s):
        """Gradient-like updates of [W0, b0, ...] from a settled (nudged) state ``s``."""
        L, B = net.n_layers, s["r"][0].shape[0]
        grads = [None] * (2 * L)
        scale = self.c_out
        for l in range(L, 0, -1):
            act = net.layer_activation(l)
            d = (activate(act, s["u"][l]) - activate(act, s["vhat"][l])) / (B * scale)
            grads[2 * (l - 1)] = (-(s["r"][l - 1].T @ d)).astype(net.dtype)
            grads[2 * (l - 1) + 1] = (-d.sum(axis=0)).astype(net.dtype)
            scale *= self.c_a * (1.0 - self.c_i)
        return grads

    def step(self, net, x, y, rng):
        s = self.settle(net, x, y)
        grads = self.forward_updates(net, s)
        out = net.forward(x)
        self.learn_interneurons(net, s)
        return Step(grads, out)

    def __repr__(self):
        return (f"DendriticMicrocircuit(g_lk={self.g_lk}, g_b={self.g_b}, g_a={self.g_a}, "
                f"g_d={self.g_d}, g_som={self.g_som}, feedback={self.feedback!r})")
