"""The high-frequency statistics of training/sharpness.py: zero on flat colour, edge energy only at
edges, and grain raises both, flat_noise far more than a clean edge does."""
import numpy as np

from sharpness import flat_noise, hf_energy, laplacian, summary


def emoji_like(n=4, seed=0):
    """White images with a flat red disc: flat regions and one clean edge, like a real emoji."""
    yy, xx = np.mgrid[:64, :64]
    disc = (yy - 32) ** 2 + (xx - 32) ** 2 < 20 ** 2
    img = np.full((n, 64, 64, 3), 255, np.uint8)
    img[:, disc] = (220, 30, 40)
    return img


def test_flat_images_have_no_high_frequency_energy():
    flat = np.full((3, 64, 64, 3), 200, np.uint8)
    assert laplacian(flat).shape == (3, 62, 62, 3)
    assert np.all(hf_energy(flat) == 0) and np.all(flat_noise(flat) == 0)


def test_edges_count_in_hf_energy_but_not_in_flat_noise():
    clean = emoji_like()
    assert np.all(hf_energy(clean) > 0)               # the disc's edge
    assert np.all(flat_noise(clean) == 0)             # most pixels are inside a flat region
    lap = laplacian(clean)
    assert np.count_nonzero(np.abs(lap[0]).sum(-1)) < 0.15 * 62 * 62  # one image: a thin ring of edge pixels


def test_grain_raises_both_statistics_in_proportion_to_its_strength():
    clean = emoji_like()
    rng = np.random.default_rng(0)
    noise = rng.normal(size=clean.shape)
    grainy = [np.clip(clean + s * noise, 0, 255).round().astype(np.uint8) for s in (3.0, 8.0)]
    e = [hf_energy(clean).mean()] + [hf_energy(g).mean() for g in grainy]
    f = [flat_noise(clean).mean()] + [flat_noise(g).mean() for g in grainy]
    assert e[0] < e[1] < e[2] and f[0] < f[1] < f[2]
    assert f[2] > 0.02                                 # grain of sigma 8/255 shows in the median
    s = summary(grainy[1])
    assert s["images"] == 4 and abs(s["hf_energy"] - e[2]) < 1e-6
