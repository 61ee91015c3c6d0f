"""Shapes and invariances of the networks, on tiny configurations."""
import torch

from model import TextConfig, TextEncoder, UNet, UNetConfig, unet_gflops


def test_text_encoder_shapes_and_padding_is_ignored():
    torch.manual_seed(0)
    enc = TextEncoder(TextConfig(vocab_size=300, max_length=8, width=32, layers=2, heads=2, embed_dim=16)).eval()
    a = torch.tensor([[1, 260, 261, 2, 0, 0, 0, 0]], dtype=torch.int32)
    b = a.clone()
    b[0, 1] = 270
    hidden, pooled = enc(torch.cat([a, b]))
    assert hidden.shape == (2, 8, 32) and pooled.shape == (2, 16)
    assert not torch.allclose(pooled[0], pooled[1])
    # padding is masked: changing the pad embedding leaves the real tokens' states and the pooled vector alone
    with torch.no_grad():
        enc.tok.weight[0].normal_()
        h2, p2 = enc(a)
    assert torch.allclose(hidden[0, :4], h2[0, :4], atol=1e-5) and torch.allclose(pooled[0], p2[0], atol=1e-5)


def test_unet_shapes_batch_independence_and_cost():
    torch.manual_seed(0)
    cfg = UNetConfig(patch=4, channels=(16, 32, 32), attention=(False, True, True), heads=2, groups=8, context_dim=24)
    unet = UNet(cfg).eval()
    for p in unet.parameters():  # zero-initialised output layers would make every output 0
        torch.nn.init.normal_(p, std=0.05)
    x = torch.randn(3, 3, 64, 64)
    t = torch.tensor([999.0, 500.0, 0.0])
    ctx = torch.randn(3, 16, 24)
    with torch.no_grad():
        out = unet(x, t, ctx)
        one = unet(x[1:2], t[1:2], ctx[1:2])
    assert out.shape == x.shape and torch.isfinite(out).all()
    assert torch.allclose(out[1:2], one, atol=1e-5)
    assert unet_gflops(unet) > 0


def test_upgrading_a_checkpoint_with_the_input_skip_keeps_its_outputs(tmp_path):
    from common import load_unet
    from model import config_dict
    from upgrade_unet import upgrade

    torch.manual_seed(0)
    cfg = UNetConfig(patch=4, channels=(16, 32, 32), attention=(False, True, True), heads=2, groups=8,
                     context_dim=24, input_skip=False)
    old = UNet(cfg)
    for p in old.parameters():
        torch.nn.init.normal_(p, std=0.05)
    conf = config_dict(cfg)
    conf.pop("input_skip")  # as written before the option existed
    torch.save({"unet_config": conf, "ema": old.state_dict(), "state_dict": old.state_dict(), "steps": 3},
               tmp_path / "old.pt")
    upgrade(tmp_path / "old.pt", tmp_path / "new.pt")
    new, ck = load_unet(tmp_path / "new.pt")
    assert new.cfg.input_skip and ck["steps"] == 3
    x, t, c = torch.randn(2, 3, 64, 64), torch.tensor([999.0, 3.0]), torch.randn(2, 16, 24)
    with torch.no_grad():
        assert torch.allclose(old.eval()(x, t, c), new(x, t, c), atol=1e-6)
