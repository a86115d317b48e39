"""
A second host store, shaped unlike the demo shop.

Products are "items" with other field names, a UUID key, no stock and a
section with a label; orders are "purchases" placed by a buyer. The suite
points ai_assist at these models through settings alone.
"""

import uuid

from django.conf import settings
from django.db import models


class Section(models.Model):
    label = models.CharField(max_length=80)

    def __str__(self):
        return self.label


class Item(models.Model):
    uid = models.UUIDField(primary_key=True, default=uuid.uuid4)
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    blurb = models.TextField(blank=True)
    section = models.ForeignKey(Section, on_delete=models.SET_NULL, null=True)
    maker = models.CharField(max_length=80, blank=True)
    unit_cost = models.DecimalField(max_digits=9, decimal_places=2)
    visible = models.BooleanField(default=True)
    picture = models.URLField(blank=True)
    link = models.CharField(max_length=200, blank=True)
    added = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


class Purchase(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    contact_email = models.EmailField(blank=True)
    placed_on = models.DateTimeField()
    state = models.CharField(max_length=20)
    courier = models.CharField(max_length=40, blank=True)
    tracking = models.CharField(max_length=40, blank=True)
    dispatched = models.DateTimeField(null=True, blank=True)
    arrived = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.reference


class PurchaseItem(models.Model):
    purchase = models.ForeignKey(
        Purchase, on_delete=models.CASCADE, related_name="items"
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE)
    count = models.PositiveIntegerField()
    cost = models.DecimalField(max_digits=9, decimal_places=2)

    def __str__(self):
        return f"{self.count} x {self.item}"
