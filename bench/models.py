"""The floors' table: three fields, like the 3-field form the sign view is compared with."""

from django.db import models


class FloorRow(models.Model):
    """What the bare-Django floors insert (bench/urls.py); emptied by bench/run.py."""

    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    country = models.CharField(max_length=2)

    def __str__(self):
        return self.email
