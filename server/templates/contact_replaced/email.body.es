Estimado(a) usuario(a):

Al recuperar la Clave Sence (CS) del RUT {{rut}}, validando el número de serie de la cédula de identidad, se reemplazaron los datos de contacto registrados: el correo electrónico ahora es {{new_email}} y el celular {{new_mobile}}.

Si usted no hizo esta recuperación, abra este enlace y pulse «No fui yo»: su cuenta quedará congelada, este correo y su celular volverán a estar registrados y la clave provisoria dejará de servir (el enlace vale 10 días):
{{no_fui_yo}}

También puede llamarnos gratis al 800 80 10 30, de lunes a viernes de 9.00 a 18.00 horas.

Atte.
SENCE
