"""Placeholder replaced by the styles module (painting, sketch, watercolour)."""

STYLES = ("photo",)


def stylize(image, mask, style, seed):
    if style != "photo":
        raise ValueError(f"Unknown style {style!r}. Valid: {', '.join(STYLES)}")
    return image
