"""Create a few sample photos drawn with Pillow and show what imagekit makes of them.

Running the command again keeps the photos it made before: it adds none
twice, and redraws only a photo whose file went missing from the media folder.
With ``--no-report`` it only creates the photos, leaving their thumbnails to
``generateimages`` or to the first page that shows them.
"""

import io
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.template import engines
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from gallery.models import Photo


def draw_gradient(size=(960, 640)):
    """A sunset-like blend of three gradients."""
    width, height = size
    vertical = Image.linear_gradient("L").resize(size)
    horizontal = Image.linear_gradient("L").rotate(90).resize(size)
    radial = ImageOps.invert(Image.radial_gradient("L")).resize(size)
    red = Image.blend(vertical, radial, 0.3).point(lambda v: min(255, 80 + v))
    green = Image.blend(horizontal, vertical, 0.6).point(lambda v: v * 3 // 4)
    blue = ImageOps.invert(vertical).point(lambda v: v // 2 + 40)
    image = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(image)
    sun = (width * 0.62, height * 0.35)
    draw.ellipse((sun[0] - 70, sun[1] - 70, sun[0] + 70, sun[1] + 70), fill=(255, 214, 120))
    return image


def draw_mandelbrot(size=(800, 600)):
    """The Mandelbrot set, coloured from navy through pink to gold."""
    fractal = Image.effect_mandelbrot(size, (-2.3, -1.25, 1.0, 1.25), 100)
    return ImageOps.colorize(fractal, black="#0b1d51", mid="#ef476f", white="#ffd166")


def draw_shapes(size=(600, 800)):
    """A portrait composition of circles, bars and triangles."""
    width, height = size
    image = Image.new("RGB", size, "#f4f1de")
    draw = ImageDraw.Draw(image)
    palette = ["#e07a5f", "#3d405b", "#81b29a", "#f2cc8f"]
    for index in range(8):
        inset = index * 30
        draw.ellipse(
            (inset, height // 4 + inset, width - inset, height // 4 + width - inset),
            outline=palette[index % 4],
            width=12,
        )
    for index, colour in enumerate(palette):
        top = 40 + index * 35
        draw.rectangle((40, top, width - 40, top + 20), fill=colour)
    for index in range(5):
        left = 30 + index * 110
        draw.polygon(
            [(left, height - 40), (left + 100, height - 40), (left + 50, height - 140)],
            fill=palette[(index + 1) % 4],
        )
    return image


def draw_noise(size=(640, 480)):
    """Soft coloured noise, a hard case for JPEG compression."""
    channels = [
        Image.effect_noise(size, sigma).filter(ImageFilter.GaussianBlur(radius))
        for sigma, radius in ((90, 1), (60, 2), (120, 0.5))
    ]
    return Image.merge("RGB", channels)


@dataclass(frozen=True)
class Sample:
    title: str
    filename: str
    draw: object
    # Fields read by the "gallery:photo:card" spec.
    card_width: int = 320
    card_height: int = 200
    monochrome: bool = False

    def render(self):
        """Return the sample encoded in the format its file name implies."""
        image = self.draw()
        buffer = io.BytesIO()
        fmt = Image.registered_extensions()[PurePosixPath(self.filename).suffix.lower()]
        image.save(buffer, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
        return buffer.getvalue()


SAMPLES = [
    Sample("Sunset gradient", "sunset.jpg", draw_gradient),
    Sample("Mandelbrot", "mandelbrot.png", draw_mandelbrot, card_height=240),
    Sample("Shapes", "shapes.png", draw_shapes, card_width=240, card_height=320),
    Sample("Noise", "noise.jpg", draw_noise, monochrome=True),
]


def describe(image_file):
    """Return "WIDTHxHEIGHT, N bytes" for an image file, reading it if needed."""
    return f"{image_file.width}x{image_file.height}, {image_file.size} bytes"


class Command(BaseCommand):
    help = "Create sample photos drawn with Pillow and print their generated images."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-report",
            action="store_false",
            dest="report",
            help="Only create the photos; do not generate and describe their images.",
        )

    def handle(self, *args, report=True, **options):
        photos = [self.load(sample) for sample in SAMPLES]
        if not report:
            return
        for photo in photos:
            self.report(photo)
        self.show_template_tag(photos[0])

    def load(self, sample):
        """Return the photo for *sample*, creating or repairing it if needed."""
        photo = Photo.objects.filter(title=sample.title).first()
        if photo is not None and photo.image and photo.image.storage.exists(photo.image.name):
            self.stdout.write(f"Kept    {sample.title!r}")
            return photo
        created = photo is None
        if created:
            photo = Photo(
                title=sample.title,
                card_width=sample.card_width,
                card_height=sample.card_height,
                monochrome=sample.monochrome,
            )
        content = sample.render()
        photo.image.save(sample.filename, ContentFile(content), save=False)
        photo.avatar.save(sample.filename, ContentFile(content), save=False)
        photo.save()
        self.stdout.write(f"{'Created' if created else 'Redrew '} {sample.title!r}")
        return photo

    def report(self, photo):
        # Reading .width opens the cache file, which makes the default
        # just-in-time strategy generate it if it does not exist yet.
        thumbnail, card, banner = photo.thumbnail, photo.card, photo.banner
        thumbnail_size, card_size = describe(thumbnail), describe(card)
        banner_size = describe(banner)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(photo.title))
        self.stdout.write(f"  original   {photo.image.name}  ({describe(photo.image)})")
        self.stdout.write(f"  thumbnail  {thumbnail.url}  ({thumbnail_size})")
        self.stdout.write(f"  card       {card.url}  ({card_size})")
        self.stdout.write(f"  banner     {banner.url}  ({banner_size})")
        if photo.avatar:
            self.stdout.write(f"  avatar     {photo.avatar.url}  ({describe(photo.avatar)})")

    def show_template_tag(self, photo):
        template = engines["django"].from_string(
            "{% load imagekit %}{% thumbnail '120x90' photo.image -- alt=photo.title %}"
        )
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("{% thumbnail '120x90' photo.image %}"))
        self.stdout.write(f"  {template.render({'photo': photo})}")
