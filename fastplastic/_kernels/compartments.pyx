# cython: boundscheck=False, wraparound=False, cdivision=True, language_level=3
"""Cython bridge to the compartment kernels (csrc/fp_compartments.c).

Private: :mod:`fastplastic.compartments` and :mod:`fastplastic.dendrites` validate every
argument (shapes, dtypes, contiguity, finiteness, ranges) before calling in here.
"""
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t

cdef extern from "fp_compartments.h" nogil:
    enum: FP_MAX_DEND
    enum: FP_MAX_NUDGE
    void fp_soma_step(int64_t n, int32_t k, int32_t m, double dt_c, double g_l, double e_l,
                      const double *g_d, const double *const *v_d,
                      const double *const *g_n, const double *const *e_n,
                      const double *i_ext, double *u)
    void fp_us_phi(int64_t n, const double *p, const double *u, double *phi, double *h)
    void fp_us_run(int64_t T, int64_t n, int64_t m, const double *p, int learn,
                   const double *drive, const double *g_e, const double *g_i,
                   double *xl, double *xs, double *w, double *pi, double *u,
                   const uint64_t *key, int64_t t0,
                   uint8_t *spikes, double *rec_u, double *rec_vstar)

MAX_DEND = FP_MAX_DEND
MAX_NUDGE = FP_MAX_NUDGE


cdef const double* _ptr(const double[::1] a):
    return &a[0] if a.shape[0] > 0 else NULL


def soma_step(double[::1] u not None, double dt_c, double g_l, double e_l,
              const double[::1] g_d not None, tuple v_d, tuple g_n, tuple e_n, i_ext):
    """u <- one exponential step (dt_c < 0: steady state); every array has len(u)."""
    cdef:
        const double *vp[FP_MAX_DEND]
        const double *gp[FP_MAX_NUDGE]
        const double *ep[FP_MAX_NUDGE]
        const double *ip = NULL
        const double[::1] tmp
        int32_t k = len(v_d), m = len(g_n), j
        int64_t n = u.shape[0]
    for j in range(k):
        tmp = v_d[j]
        vp[j] = _ptr(tmp)
    for j in range(m):
        tmp = g_n[j]
        gp[j] = _ptr(tmp)
        tmp = e_n[j]
        ep[j] = _ptr(tmp)
    if i_ext is not None:
        tmp = i_ext
        ip = _ptr(tmp)
    if n == 0:
        return
    with nogil:
        fp_soma_step(n, k, m, dt_c, g_l, e_l, &g_d[0], vp, gp, ep, ip, &u[0])


def us_phi(const double[::1] p not None, const double[::1] u not None,
           double[::1] phi not None, h):
    """phi(u) and optionally h(u) = d ln phi / du into the given arrays."""
    cdef double[::1] hv
    cdef double *hp = NULL
    cdef int64_t n = u.shape[0]
    if h is not None:
        hv = h
        hp = &hv[0] if n > 0 else NULL
    if n == 0:
        return
    with nogil:
        fp_us_phi(n, &p[0], &u[0], &phi[0], hp)


def us_run(const double[::1] p not None, bint learn, const double[:, ::1] drive not None,
           const double[:, ::1] g_e not None, const double[:, ::1] g_i not None,
           double[::1] xl not None, double[::1] xs not None, double[:, ::1] w not None,
           double[:, ::1] pi not None, double[::1] u not None,
           const uint64_t[::1] key not None, int64_t t0, spikes, rec_u, rec_vstar):
    """Run T = drive.shape[0] steps of Urbanczik-Senn neurons (fp_us_run)."""
    cdef:
        int64_t T = drive.shape[0], m = drive.shape[1], n = u.shape[0]
        uint8_t[:, ::1] sp
        double[:, ::1] ru, rv
        uint8_t *spp = NULL
        double *rup = NULL
        double *rvp = NULL
    if T == 0 or n == 0 or m == 0:
        return
    if spikes is not None:
        sp = spikes
        spp = &sp[0, 0]
    if rec_u is not None:
        ru = rec_u
        rup = &ru[0, 0]
    if rec_vstar is not None:
        rv = rec_vstar
        rvp = &rv[0, 0]
    with nogil:
        fp_us_run(T, n, m, &p[0], learn, &drive[0, 0], &g_e[0, 0], &g_i[0, 0], &xl[0], &xs[0],
                  &w[0, 0], &pi[0, 0], &u[0], &key[0], t0, spp, rup, rvp)
